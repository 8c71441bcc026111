import type { Metadata } from 'next';
import { PlantEditor } from './plant-editor.tsx';

export const metadata: Metadata = { title: 'Plant · Linewatch' };

/** Admins only (app/admin/layout.tsx): lines, PLC connections, tags and alarm limits, applied live as versions. */
export default function PlantPage() {
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 pt-4 sm:px-4">
      <h1 className="mb-2 text-2xl font-semibold">Plant</h1>
      <PlantEditor />
    </main>
  );
}
