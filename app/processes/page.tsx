import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { currentLines, currentProcesses } from '../server-data.ts';
import { ProcessList } from './process-list.tsx';

export const metadata: Metadata = { title: 'Processes · Linewatch' };

export default async function ProcessesPage() {
  const role = maybePrincipal(await headers())?.role;
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <h1 className="mb-1 text-2xl font-semibold">Processes</h1>
      <p className="mb-4 text-muted">Child processes of the server: simulated PLCs and long jobs.</p>
      <ProcessList initialProcesses={currentProcesses()} initialLines={currentLines()} canOperate={role === 'operator' || role === 'admin'} />
    </main>
  );
}
