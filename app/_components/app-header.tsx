import Link from 'next/link';
import { AlarmBannerSlot } from './alarm-banner-slot.tsx';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { NavLinks, type NavItem } from './nav-links.tsx';
import { PlantUpdates } from './plant-updates.tsx';
import { ThemeToggle } from './theme-toggle.tsx';

/** The header of every signed-in page: brand, navigation, stream state, theme, account. */
export function AppHeader({ user }: { user: { username: string; role: string } }) {
  const items: NavItem[] = [
    { href: '/', label: 'Overview' },
    { href: '/processes', label: 'Processes' },
    ...(user.role === 'admin'
      ? [
          { href: '/admin/plant', label: 'Plant' },
          { href: '/admin/users', label: 'Users' },
          { href: '/admin/audit', label: 'Audit' },
        ]
      : []),
  ];
  return (
    <header className="sticky top-0 z-10 border-b border-edge bg-canvas/95 backdrop-blur">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 px-3 sm:px-4">
        <Link href="/" prefetch={false} className="inline-flex min-h-11 items-center text-lg font-bold tracking-tight">
          Linewatch
        </Link>
        <nav aria-label="Main" className="order-last -mx-1 w-full md:order-none md:mx-0 md:w-auto">
          <NavLinks items={items} />
        </nav>
        <div className="ml-auto flex items-center gap-2">
          <ConnectionIndicator />
          <ThemeToggle />
          <Link
            href="/account"
            prefetch={false}
            className="inline-flex min-h-11 max-w-32 items-center truncate rounded-md px-2 text-sm hover:bg-raised"
            aria-label={`Account: ${user.username} (${user.role})`}
          >
            <span className="truncate">{user.username}</span>
          </Link>
        </div>
      </div>
      <AlarmBannerSlot />
      <PlantUpdates />
    </header>
  );
}
