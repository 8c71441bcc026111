'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

export interface NavItem {
  href: string;
  label: string;
}

/** Main navigation; marks the current section with aria-current. */
export function NavLinks({ items }: { items: NavItem[] }) {
  const path = usePathname();
  // Every user has device settings (notifications, install, offline data).
  items = items.some((i) => i.href === '/settings') ? items : [...items, { href: '/settings', label: 'Settings' }];
  const active = (href: string) => (href === '/' ? path === '/' || path.startsWith('/lines/') : path === href || path.startsWith(`${href}/`));
  return (
    <ul className="flex flex-wrap items-center gap-1">
      {items.map((item) => (
        <li key={item.href}>
          <Link
            href={item.href}
            // Every page is rendered per request, so a prefetch brings only the shared layout,
            // for a request per link on each load of each page: links load when tapped.
            prefetch={false}
            aria-current={active(item.href) ? 'page' : undefined}
            className="inline-flex min-h-11 items-center rounded-md px-3 text-base font-medium hover:bg-raised aria-[current=page]:bg-surface aria-[current=page]:underline aria-[current=page]:decoration-2 aria-[current=page]:underline-offset-4"
          >
            {item.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}
