import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobInfo, ProcessInfo } from '../../lib/types.ts';
import type { Logger } from '../log/logger.ts';
import type { JobRecord, Store } from '../storage/store.ts';
import type { ProcessHandle, Supervisor } from '../supervisor/supervisor.ts';
import { entryFile } from '../util/entry-points.ts';
import type { ExportColumn } from './csv.ts';
import { isExportReport, type ExportStart } from './export-messages.ts';
import type { JobResults } from './job-results.ts';
import { toJobInfo } from './job-info.ts';
import type { JobsConfig } from './jobs.ts';

/** One claimed job's export child, from its start to the job's final status. */
export interface ExportRun {
  id: number;
  /** Progress as last reported; stored at the next heartbeat. */
  progress: number;
  slot: number;
  handle: ProcessHandle;
  timer: NodeJS.Timeout;
  info: JobInfo;
  cancelledBy?: string;
  timedOut: boolean;
  interrupted: boolean;
  /** Failed as an orphan by another worker (this one missed its heartbeats): nothing more is written. */
  lost: boolean;
  done?: { rows: number; bytes: number };
  error?: string;
  /** The job's final status is stored (or could not be). */
  finished: Promise<void>;
}

export interface ExportRunContext {
  store: Store;
  supervisor: Supervisor;
  results: JobResults;
  describeTag?: (tag: string) => ExportColumn | undefined;
  publish: (job: JobInfo) => void;
  config: Pick<JobsConfig, 'timeoutMs' | 'pauseBetweenChunksMs'>;
  now: () => number;
  log: Logger;
}

const exportChild = entryFile('export-child');
/** Grace between SIGTERM and SIGKILL when a job is cancelled or times out. */
export const STOP_GRACE_MS = 2000;

function describeExit(info: ProcessInfo): string {
  const how = info.signal ? `was killed by ${info.signal}` : info.exitCode === null ? 'did not start' : `exited with code ${info.exitCode}`;
  const last = info.tail.filter((l) => !l.startsWith('[supervisor]')).at(-1);
  return `export process ${how}${last ? `: ${last}` : ''}`;
}

/**
 * Starts the export child of a claimed job in `slot`, with its timeout, and records how it
 * ended (succeeded with its file kept; else cancelled or failed, with why, and no file left);
 * `onEnded` follows. Undefined when the child could not start: the job is failed then.
 */
export function startExportRun(job: JobRecord, slot: number, ctx: ExportRunContext, onEnded: () => void): ExportRun | undefined {
  const { store, results, config, now, log } = ctx;
  const info = toJobInfo(job);
  ctx.publish(info);
  const outFile = results.fileOf(job.id);
  mkdirSync(dirname(outFile), { recursive: true });
  const columns = info.params.tags.flatMap((t) => ctx.describeTag?.(t) ?? []);
  const start: ExportStart = { type: 'export', location: store.location, outFile, ...info.params, columns, pauseMs: config.pauseBetweenChunksMs };
  let handle: ProcessHandle;
  try {
    // Parameters travel over IPC, never on a command line.
    handle = ctx.supervisor.start({ id: `export-${slot}`, name: `CSV export, job ${job.id}`, module: exportChild, initialMessage: start });
  } catch (error) {
    void store.jobs
      .update(job.id, { status: 'failed', endedAt: now(), error: `could not start: ${(error as Error).message}` })
      .then((stored) => stored && ctx.publish(toJobInfo(stored)));
    return undefined;
  }
  const r: ExportRun = {
    id: job.id,
    progress: 0,
    slot,
    handle,
    info,
    timedOut: false,
    interrupted: false,
    lost: false,
    timer: setTimeout(() => {
      r.timedOut = true;
      log.warn({ job: job.id, timeoutMs: config.timeoutMs }, 'job timed out, stopping it');
      void handle.stop(STOP_GRACE_MS);
    }, config.timeoutMs),
    finished: Promise.resolve(),
  };
  const remove = handle.onMessage((m) => {
    if (!isExportReport(m)) return;
    if (m.type === 'progress' && !r.done && !r.cancelledBy && !r.timedOut && !r.lost) {
      r.progress = Math.min(99.9, m.progress);
      ctx.publish({ ...r.info, progress: r.progress });
    } else if (m.type === 'done') r.done = { rows: m.rows, bytes: m.bytes };
    else if (m.type === 'error') r.error = m.message;
  });
  r.finished = handle.exited().then((exit) => {
    remove();
    return finish(r, exit, ctx)
      .catch((error: unknown) => log.error({ err: error, job: r.id }, 'could not record the end of a job'))
      .finally(onEnded);
  });
  return r;
}

async function finish(r: ExportRun, exit: ProcessInfo, ctx: ExportRunContext): Promise<void> {
  clearTimeout(r.timer);
  const { results, config } = ctx;
  const endedAt = ctx.now();
  const update = async (changes: Parameters<Store['jobs']['update']>[1]) => {
    if (r.lost) return;
    const stored = await ctx.store.jobs.update(r.id, changes);
    if (stored) ctx.publish(toJobInfo(stored));
  };
  if (r.done && exit.exitCode === 0 && !r.cancelledBy && !r.lost) {
    try {
      await results.keep(r.id);
    } catch (error) {
      r.error = `could not keep the file: ${(error as Error).message}`;
    }
    if (!r.error) {
      await update({ status: 'succeeded', progress: 100, endedAt, result: { ...r.done, filename: `linewatch-export-${r.id}.csv` } });
      return;
    }
  }
  const file = results.fileOf(r.id);
  await rm(file, { force: true }).catch(() => {});
  await rm(`${file}.part`, { force: true }).catch(() => {});
  const progress = r.progress;
  if (r.cancelledBy) await update({ status: 'cancelled', progress, endedAt, error: `cancelled by ${r.cancelledBy}` });
  else if (r.interrupted) await update({ status: 'failed', progress, endedAt, error: 'interrupted: the server stopped' });
  else if (r.timedOut) await update({ status: 'failed', progress, endedAt, error: `timed out after ${Math.round(config.timeoutMs / 1000)} s` });
  else await update({ status: 'failed', progress, endedAt, error: r.error ?? describeExit(exit) });
}
