'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const tabs = [
  { href: '/alarms', label: 'Active' },
  { href: '/alarms/journal', label: 'Journal' },
  { href: '/alarms/kpi', label: 'KPIs' },
] as const;

export function AlarmTabs() {
  const path = usePathname();
  return (
    <nav aria-label="Alarm views" className="mb-3 border-b border-edge">
      <ul className="-mb-px flex flex-wrap gap-1">
        {tabs.map((t) => (
          <li key={t.href}>
            <Link
              href={t.href}
              aria-current={path === t.href ? 'page' : undefined}
              className="inline-flex min-h-11 items-center rounded-t-md border border-transparent px-4 font-medium hover:bg-raised aria-[current=page]:border-edge aria-[current=page]:border-b-canvas aria-[current=page]:bg-canvas aria-[current=page]:font-bold"
            >
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
