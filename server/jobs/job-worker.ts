import type { JobInfo } from '../../lib/types.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { JobRecord, Store } from '../storage/store.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import type { ExportColumn } from './csv.ts';
import { type ExportRun, STOP_GRACE_MS, startExportRun } from './export-run.ts';
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

/**
 * Runs export jobs from the store's durable queue: claims the oldest queued job when a slot
 * is free (the store gives each job to one worker, however many run), runs it in a child
 * process started by the supervisor (export-run.ts: it shows on the processes page, can be
 * killed for real, cannot stall or crash this process), beats for the jobs it runs — storing
 * their progress and picking up cancel requests made on any web instance — and fails the jobs
 * of workers that stopped beating, so no job stays "running" after its worker died.
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { store, config } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  const beatMs = options.beatMs ?? 1000;
  const orphanAfterMs = options.orphanAfterMs ?? 15_000;
  const running = new Map<number, ExportRun>();
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
    const r = startExportRun(job, freeSlot(), { ...options, now, log }, () => {
      running.delete(job.id);
      if (!stopping) void claim();
    });
    if (r) running.set(job.id, r);
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
