import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { maybePrincipal } from '../../../lib/auth/principal.ts';
import { currentLines, currentProcesses } from '../../server-data.ts';
import { LineDetail } from './line-detail.tsx';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const line = currentLines()?.find((l) => l.id === id);
  return { title: `${line?.name ?? id} · Linewatch` };
}

export default async function LinePage({ params }: Props) {
  const { id } = await params;
  const lines = currentLines();
  if (lines && !lines.some((l) => l.id === id)) notFound();
  const role = maybePrincipal(await headers())?.role;
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <LineDetail id={id} initialLines={lines} initialProcesses={currentProcesses()} canOperate={role === 'operator' || role === 'admin'} role={role} />
    </main>
  );
}
