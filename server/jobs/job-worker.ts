import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobInfo, ProcessInfo } from '../../lib/types.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { JobRecord, Store } from '../storage/store.ts';
import type { ProcessHandle, Supervisor } from '../supervisor/supervisor.ts';
import { entryFile } from '../util/entry-points.ts';
import type { ExportColumn } from './csv.ts';
import { isExportReport, type ExportStart } from './export-messages.ts';
import type { JobResults } from './job-results.ts';
import { toJobInfo } from './job-info.ts';
import type { JobsConfig } from './jobs.ts';

export interface JobWorkerOptions {
  /** This worker's name in the store; the same name after a restart fails what it left running. */
  id: string;
  store: Store;
  supervisor: Supervisor;
  /** The result files' home (its local files are where exports write). */
  results: JobResults;
  /** A tag's label, unit and decimals as the plant describes it now. */
  describeTag?: (tag: string) => ExportColumn | undefined;
  /** Every status or progress change of a job this worker runs. */
  publish: (job: JobInfo) => void;
  config: Pick<JobsConfig, 'concurrency' | 'timeoutMs' | 'pauseBetweenChunksMs'>;
  /** Heartbeat (and cancel check, and a look for queued jobs), ms. Default 1000. */
  beatMs?: number;
  /** A running job whose worker has not beaten for this long is failed by any other worker, ms. Default 15 000. */
  orphanAfterMs?: number;
  now?: () => number;
  log?: Logger;
}

export interface JobWorker {
  /** Fails what this worker's previous life left running, then claims queued jobs. */
  start(): Promise<void>;
  /** Looks for queued jobs and cancel requests now (a job was queued or cancelled in this process). */
  poke(): void;
  /** Stops running jobs (failed: interrupted); queued ones stay for any worker. */
  stop(): Promise<void>;
}

interface Running {
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
  finished: Promise<void>;
}

const exportChild = entryFile('export-child');
/** Grace between SIGTERM and SIGKILL when a job is cancelled or times out. */
const STOP_GRACE_MS = 2000;

function describeExit(info: ProcessInfo): string {
  const how = info.signal ? `was killed by ${info.signal}` : info.exitCode === null ? 'did not start' : `exited with code ${info.exitCode}`;
  const last = info.tail.filter((l) => !l.startsWith('[supervisor]')).at(-1);
  return `export process ${how}${last ? `: ${last}` : ''}`;
}

/**
 * Runs export jobs from the store's durable queue: claims the oldest queued job when a slot
 * is free (the store gives each job to one worker, however many run), runs it in a child
 * process started by the supervisor (it shows on the processes page, can be killed for real,
 * cannot stall or crash this process), beats for the jobs it runs — storing their progress
 * and picking up cancel requests made on any web instance — and fails the jobs of workers
 * that stopped beating, so no job stays "running" after its worker died.
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { store, supervisor, results, config } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  const beatMs = options.beatMs ?? 1000;
  const orphanAfterMs = options.orphanAfterMs ?? 15_000;
  const running = new Map<number, Running>();
  let claiming = false;
  let stopping = false;
  let beating: Promise<void> | undefined;
  /** A poke while a beat runs: beat again right after it (what it was poked for may have come too late for it). */
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let beats = 0;

  function freeSlot(): number {
    const used = new Set([...running.values()].map((r) => r.slot));
    let slot = 1;
    while (used.has(slot)) slot++;
    return slot;
  }

  async function update(r: Running, changes: Parameters<Store['jobs']['update']>[1]): Promise<void> {
    if (r.lost) return;
    const stored = await store.jobs.update(r.id, changes);
    if (stored) options.publish(toJobInfo(stored));
  }

  /** Claims queued jobs while slots are free. */
  async function claim(): Promise<void> {
    if (claiming) return;
    claiming = true;
    try {
      while (!stopping && running.size < config.concurrency) {
        const job = await store.jobs.claim(options.id, now());
        if (!job) break;
        launch(job);
      }
    } catch (error) {
      log.warn({ err: error }, 'could not claim a job; trying again at the next heartbeat');
    } finally {
      claiming = false;
    }
  }

  function launch(job: JobRecord): void {
    const info = toJobInfo(job);
    options.publish(info);
    const outFile = results.fileOf(job.id);
    mkdirSync(dirname(outFile), { recursive: true });
    const columns = info.params.tags.flatMap((t) => options.describeTag?.(t) ?? []);
    const start: ExportStart = { type: 'export', location: store.location, outFile, ...info.params, columns, pauseMs: config.pauseBetweenChunksMs };
    const slot = freeSlot();
    let handle: ProcessHandle;
    try {
      // Parameters travel over IPC, never on a command line.
      handle = supervisor.start({ id: `export-${slot}`, name: `CSV export, job ${job.id}`, module: exportChild, initialMessage: start });
    } catch (error) {
      void store.jobs
        .update(job.id, { status: 'failed', endedAt: now(), error: `could not start: ${(error as Error).message}` })
        .then((stored) => stored && options.publish(toJobInfo(stored)));
      return;
    }
    const r: Running = {
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
    running.set(job.id, r);
    const remove = handle.onMessage((m) => {
      if (!isExportReport(m)) return;
      if (m.type === 'progress' && !r.done && !r.cancelledBy && !r.timedOut && !r.lost) {
        r.progress = Math.min(99.9, m.progress);
        options.publish({ ...r.info, progress: r.progress });
      } else if (m.type === 'done') r.done = { rows: m.rows, bytes: m.bytes };
      else if (m.type === 'error') r.error = m.message;
    });
    r.finished = handle.exited().then((exit) => {
      remove();
      return finish(r, exit).catch((error: unknown) => log.error({ err: error, job: r.id }, 'could not record the end of a job'));
    });
  }

  async function finish(r: Running, exit: ProcessInfo): Promise<void> {
    clearTimeout(r.timer);
    const endedAt = now();
    try {
      if (r.done && exit.exitCode === 0 && !r.cancelledBy && !r.lost) {
        try {
          await results.keep(r.id);
        } catch (error) {
          r.error = `could not keep the file: ${(error as Error).message}`;
        }
        if (!r.error) {
          await update(r, { status: 'succeeded', progress: 100, endedAt, result: { ...r.done, filename: `linewatch-export-${r.id}.csv` } });
          return;
        }
      }
      const file = results.fileOf(r.id);
      await rm(file, { force: true }).catch(() => {});
      await rm(`${file}.part`, { force: true }).catch(() => {});
      const progress = r.progress;
      if (r.cancelledBy) await update(r, { status: 'cancelled', progress, endedAt, error: `cancelled by ${r.cancelledBy}` });
      else if (r.interrupted) await update(r, { status: 'failed', progress, endedAt, error: 'interrupted: the server stopped' });
      else if (r.timedOut) await update(r, { status: 'failed', progress, endedAt, error: `timed out after ${Math.round(config.timeoutMs / 1000)} s` });
      else await update(r, { status: 'failed', progress, endedAt, error: r.error ?? describeExit(exit) });
    } finally {
      running.delete(r.id);
      if (!stopping) void claim();
    }
  }

  /** Stores progress, takes cancel requests, stops jobs given up as orphans, fails other workers' orphans. */
  async function beat(): Promise<void> {
    const t = now();
    const held = await store.jobs.beat(options.id, new Map([...running.values()].map((r) => [r.id, r.progress])), t);
    const byId = new Map(held.map((h) => [h.id, h]));
    for (const r of running.values()) {
      const h = byId.get(r.id);
      if (!h) {
        // Failed by another worker while this one could not beat (e.g. the database was away).
        r.lost = true;
        log.warn({ job: r.id }, 'a job this worker ran was failed as an orphan; stopping it');
        void r.handle.stop(STOP_GRACE_MS);
      } else if (h.cancelRequestedBy && !r.cancelledBy) {
        r.cancelledBy = h.cancelRequestedBy;
        void r.handle.stop(STOP_GRACE_MS);
      }
    }
    // Every few beats: the jobs of workers that stopped beating.
    if (beats++ % 5 === 0) {
      const orphans = await store.jobs.failOrphans(
        { heartbeatBefore: t - orphanAfterMs },
        `the worker running it stopped (no heartbeat for ${Math.round(orphanAfterMs / 1000)} s)`,
        t,
      );
      for (const o of orphans) options.publish(toJobInfo(o));
    }
    await claim();
  }

  function tick(): void {
    if (beating !== undefined) {
      again = true;
      return;
    }
    beating = beat()
      .catch((error: unknown) => log.warn({ err: error }, 'job heartbeat failed; trying again'))
      .finally(() => {
        beating = undefined;
        if (again && !stopping) {
          again = false;
          tick();
        }
      });
  }

  return {
    async start() {
      stopping = false;
      for (const o of await store.jobs.failOrphans({ worker: options.id }, 'interrupted: the server stopped', now())) options.publish(toJobInfo(o));
      timer = setInterval(tick, beatMs);
      timer.unref();
      tick();
    },
    poke: tick,
    async stop() {
      stopping = true;
      clearInterval(timer);
      await beating;
      await Promise.all(
        [...running.values()].map(async (r) => {
          r.interrupted = true;
          await r.handle.stop(STOP_GRACE_MS);
          await r.finished;
        }),
      );
    },
  };
}
