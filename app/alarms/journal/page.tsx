import type { Metadata } from 'next';
import { lineNames } from '../server-alarms.ts';
import { JournalView, type JournalFilters } from './journal-view.tsx';

export const metadata: Metadata = { title: 'Alarm journal · Linewatch' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const keys = ['line', 'tag', 'alarm', 'priority', 'transition', 'user', 'from', 'to'] as const;

export default async function JournalPage({ searchParams }: Props) {
  const params = await searchParams;
  const initial: JournalFilters = {};
  for (const k of keys) {
    const v = params[k];
    if (typeof v === 'string' && v.length <= 200) initial[k] = v;
  }
  return (
    <>
      <h1 className="mb-3 text-2xl font-semibold">Alarm journal</h1>
      <JournalView lines={lineNames()} initial={initial} />
    </>
  );
}
