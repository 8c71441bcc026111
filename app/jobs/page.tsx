import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { getRuntime } from '../../lib/runtime-access.ts';
import type { JobInfo } from '../../lib/types.ts';
import { currentLines } from '../server-data.ts';
import { JobList } from './job-list.tsx';

export const metadata: Metadata = { title: 'Jobs · Linewatch' };

/** Jobs for the first paint; undefined while the runtime starts or stops (the browser loads them then). */
async function currentJobs(): Promise<JobInfo[] | undefined> {
  try {
    return await getRuntime().jobs.list();
  } catch {
    return undefined;
  }
}

export default async function JobsPage() {
  const role = maybePrincipal(await headers())?.role;
  const labels = Object.fromEntries(currentLines()?.flatMap((l) => l.tags.map((t) => [t.id, t.label])) ?? []);
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <div className="mb-1 flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Jobs</h1>
        <Link href="/history" className="inline-flex min-h-11 items-center text-sm underline underline-offset-4">
          Start an export from History
        </Link>
      </div>
      <p className="mb-4 text-muted">CSV exports run as background processes; at most a few at once, the rest wait in line.</p>
      <JobList initialJobs={await currentJobs()} tagLabels={labels} canOperate={role === 'operator' || role === 'admin'} />
    </main>
  );
}
