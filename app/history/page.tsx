import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { currentLines } from '../server-data.ts';
import { HistoryView } from './history-view.tsx';
import { parseHistoryParams } from './range.ts';

export const metadata: Metadata = { title: 'History · Linewatch' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function HistoryPage({ searchParams }: Props) {
  const role = maybePrincipal(await headers())?.role;
  const lines = currentLines();
  const known = new Set(lines?.flatMap((l) => l.tags.map((t) => t.id)) ?? []);
  const { tags, choice } = parseHistoryParams(await searchParams, known);
  // Nothing chosen yet: start with the first line's key values.
  const initialTags = tags.length > 0 ? tags : (lines?.[0]?.keyTags.slice(0, 2) ?? []);
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2 sm:mb-4">
        <h1 className="text-2xl font-semibold">History</h1>
        <Link href="/jobs" prefetch={false} className="inline-flex min-h-11 items-center text-sm underline underline-offset-4">
          Export jobs
        </Link>
      </div>
      <HistoryView initialLines={lines} initialTags={initialTags} initialChoice={choice} canExport={role === 'operator' || role === 'admin'} />
    </main>
  );
}
