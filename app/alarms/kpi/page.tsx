import type { Metadata } from 'next';
import { KpiView } from './kpi-view.tsx';

export const metadata: Metadata = { title: 'Alarm KPIs · Linewatch' };

export default function KpiPage() {
  return (
    <>
      <h1 className="mb-1 text-2xl font-semibold">Alarm KPIs</h1>
      <p className="mb-3 text-muted">Alarm-system performance after EEMUA 191 and ISA-18.2, for a chosen period.</p>
      <KpiView />
    </>
  );
}
