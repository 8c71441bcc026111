import Link from 'next/link';
import { AlarmBannerSlot } from './alarm-banner-slot.tsx';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { NavLinks, type NavItem } from './nav-links.tsx';
import { PlantUpdates } from './plant-updates.tsx';
import { ThemeToggle } from './theme-toggle.tsx';

/** Every page of a signed-in user's role, in the order of a shift: see, dig in, then configure. */
export function navItems(role: string): NavItem[] {
  return [
    { href: '/', label: 'Overview', primary: true },
    { href: '/alarms', label: 'Alarms', primary: true },
    { href: '/history', label: 'History', primary: true },
    { href: '/processes', label: 'Processes', primary: true },
    { href: '/jobs', label: 'Jobs', primary: true },
    // Every user has device settings (notifications, install, offline data).
    { href: '/settings', label: 'Settings' },
    ...(role === 'admin'
      ? [
          { href: '/admin/plant', label: 'Plant' },
          { href: '/admin/users', label: 'Users' },
          { href: '/admin/audit', label: 'Audit' },
        ]
      : []),
  ];
}

function AccountLink({ user, className = '', long = false }: { user: { username: string; role: string }; className?: string; long?: boolean }) {
  return (
    <Link
      href="/account"
      prefetch={false}
      className={`inline-flex min-h-11 items-center truncate rounded-md px-2 text-sm hover:bg-raised ${className}`}
      aria-label={`Account: ${user.username} (${user.role})`}
    >
      <span className="truncate">{long ? `Account: ${user.username} (${user.role})` : user.username}</span>
    </Link>
  );
}

/**
 * The header of every signed-in page: one bar that never wraps (≤ 64 px on a phone: brand,
 * stream state, Menu), then the alarm banner. Sticky, so the state of the plant stays in view.
 */
export function AppHeader({ user }: { user: { username: string; role: string } }) {
  return (
    <header className="sticky top-0 z-10 border-b border-edge bg-canvas/95 backdrop-blur">
      <div className="relative mx-auto flex h-14 max-w-6xl flex-nowrap items-center gap-2 px-3 sm:px-4" data-testid="header-bar">
        <Link href="/" prefetch={false} className="inline-flex min-h-11 shrink-0 items-center text-lg font-bold tracking-tight">
          Linewatch
        </Link>
        <NavLinks
          items={navItems(user.role)}
          extra={
            <>
              <AccountLink user={user} long className="max-w-full border border-edge-soft px-3" />
              <ThemeToggle withLabel />
            </>
          }
        />
        <div className="ml-auto flex shrink-0 items-center gap-2">
          <ConnectionIndicator />
          <span className="hidden sm:contents">
            <ThemeToggle />
            <AccountLink user={user} className="max-w-32" />
          </span>
        </div>
      </div>
      <AlarmBannerSlot />
      <PlantUpdates />
    </header>
  );
}
