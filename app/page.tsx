import type { Metadata } from 'next';
import { PlantOverview } from './plant-overview.tsx';
import { currentLines } from './server-data.ts';

export const metadata: Metadata = { title: 'Overview · Linewatch' };

export default function OverviewPage() {
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <h1 className="mb-4 text-2xl font-semibold">Plant overview</h1>
      <PlantOverview initialLines={currentLines()} />
    </main>
  );
}
