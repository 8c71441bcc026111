import type { ReactNode } from 'react';
import { AlarmTabs } from './alarm-tabs.tsx';

/** The alarm pages: active list, journal and KPIs under one heading and tab bar. */
export default function AlarmsLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <AlarmTabs />
      {children}
    </main>
  );
}
