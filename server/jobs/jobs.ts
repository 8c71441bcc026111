import { mkdirSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportJobParams, JobInfo, ProcessInfo } from '../../lib/types.ts';
import { ConflictError, ForbiddenError, LimitError, NotFoundError, UnavailableError, ValidationError } from '../../lib/errors.ts';
import type { JobRecord, Role, Store } from '../storage/store.ts';
import type { ProcessHandle, Supervisor } from '../supervisor/supervisor.ts';
import type { ExportColumn } from './csv.ts';
import { isExportReport, type ExportStart } from './export-messages.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

import { entryFile } from '../util/entry-points.ts';
export interface JobsConfig {
  /** Jobs running at once; the rest wait in order. Default 2. */
  concurrency: number;
  /** A job still running after this fails (its process is stopped), ms. Default 30 min. */
  timeoutMs: number;
  /** Finished jobs and their files are deleted this long after they ended, ms. Default 7 days. */
  keepMs: number;
  /** Pause of an export between two chunks, ms: trades export speed for a quieter disk. Default 0. */
  pauseBetweenChunksMs: number;
  /** Jobs waiting at most; beyond, new ones are refused (503). Default 50. */
  maxQueued: number;
  /** Jobs one user may have queued or running; beyond, theirs are refused (429) and the others' still run. Default 3. */
  maxPerUser: number;
  /** Longest range of one export, ms: raw samples older than the raw retention are gone anyway. Default 30 days. */
  maxRangeMs: number;
}

export const defaultJobsConfig: JobsConfig = {
  concurrency: 2,
  timeoutMs: 30 * 60_000,
  keepMs: 7 * 86_400_000,
  pauseBetweenChunksMs: 0,
  maxQueued: 50,
  maxPerUser: 3,
  maxRangeMs: 30 * 86_400_000,
};

/** Tags per export. */
export const MAX_EXPORT_TAGS = 50;

export interface JobsOptions {
  store: Store;
  supervisor: Supervisor;
  /** Where result files go (created if missing). */
  dir: string;
  /** Tags that exist in the plant. */
  knownTags: ReadonlySet<string>;
  /** A tag's label, unit and decimals as the plant describes it now (the CSV header and rounding). Default: none (values as stored). */
  describeTag?: (tag: string) => ExportColumn | undefined;
  /** Every status or progress change. */
  publish: (job: JobInfo) => void;
  config?: Partial<JobsConfig>;
  now?: () => number;
  /** Default: silent. */
  log?: Logger;
}

export interface JobResultFile {
  path: string;
  filename: string;
  bytes: number;
}

export interface Jobs {
  /** Validates and records a CSV export as `queued`; it waits until `enqueue`. */
  create(params: ExportJobParams, createdBy: string): Promise<JobInfo>;
  /** Lets a created job run when a slot is free. */
  enqueue(id: number): Promise<JobInfo>;
  /** Running and queued jobs, then the most recent others; newest first. */
  list(limit?: number): Promise<JobInfo[]>;
  get(id: number): Promise<JobInfo>;
  /** A queued job is dropped, a running one stopped (SIGTERM → SIGKILL); resolves when it is over. Only its creator or an admin may. */
  cancel(id: number, by: { username: string; admin: boolean }): Promise<JobInfo>;
  /** The result file of a succeeded job. */
  result(id: number): Promise<JobResultFile>;
  /** Marks jobs a crash left `running` as failed, re-queues `queued` ones, starts the clean-up timer. */
  start(): Promise<void>;
  /** Stops running jobs (marked failed: interrupted); queued ones stay queued for the next start. */
  stop(): Promise<void>;
}

interface Running {
  id: number;
  /** Progress as last reported: kept here, not written to the database at every report (see `live`). */
  progress: number;
  slot: number;
  handle: ProcessHandle;
  timer: NodeJS.Timeout;
  outFile: string;
  cancelledBy?: string;
  timedOut: boolean;
  interrupted: boolean;
  /** The job as stored when it started: progress reports are published on it, not read back. */
  info?: JobInfo;
  done?: { rows: number; bytes: number };
  error?: string;
  finished: Promise<void>;
}

const exportChild = entryFile('export-child');
/** Grace between SIGTERM and SIGKILL when a job is cancelled or times out. */
const STOP_GRACE_MS = 2000;

const terminal = new Set(['succeeded', 'failed', 'cancelled']);

export function toJobInfo(r: JobRecord): JobInfo {
  return {
    id: r.id,
    kind: 'csv-export',
    status: r.status,
    progress: r.progress,
    params: r.params as ExportJobParams,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    error: r.error,
    result: (r.result as JobInfo['result']) ?? null,
  };
}

function describeExit(info: ProcessInfo): string {
  const how = info.signal ? `was killed by ${info.signal}` : info.exitCode === null ? 'did not start' : `exited with code ${info.exitCode}`;
  const last = info.tail.filter((l) => !l.startsWith('[supervisor]')).at(-1);
  return `export process ${how}${last ? `: ${last}` : ''}`;
}

/**
 * Long jobs (CSV exports) as tracked child processes: each runs in its own process started
 * by the supervisor (so it shows on the processes page, can be killed for real, and cannot
 * stall or crash the server), at most `concurrency` at once, the rest queued in order.
 * Every change is persisted in the `jobs` table and published as a `job` event.
 */
export function createJobs(options: JobsOptions): Jobs {
  const config = { ...defaultJobsConfig, ...options.config };
  const { store, supervisor } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  const queue: number[] = [];
  const running = new Map<number, Running>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let dirReady = false;
  /** Jobs taken off the queue whose process is not started yet: they hold a slot. */
  let launching = 0;

  async function record(id: number): Promise<JobRecord> {
    const r = await store.jobs.get(id);
    if (!r) throw new NotFoundError(`no job ${id}`, { field: 'id' });
    return r;
  }

  /**
   * A job as stored, with the progress of a running one from memory. Progress reports come
   * several times a second; writing each would be a write on the main connection, which
   * waits whenever the history writer thread holds the write lock.
   */
  function live(r: JobRecord): JobInfo {
    const info = toJobInfo(r);
    const run = running.get(r.id);
    return run && info.status === 'running' ? { ...info, progress: run.progress } : info;
  }

  async function change(id: number, changes: Parameters<Store['jobs']['update']>[1]): Promise<JobInfo> {
    const info = live((await store.jobs.update(id, changes))!);
    options.publish(info);
    return info;
  }

  function freeSlot(): number {
    const used = new Set([...running.values()].map((r) => r.slot));
    let slot = 1;
    while (used.has(slot)) slot++;
    return slot;
  }

  function pump(): void {
    while (!stopping && running.size + launching < config.concurrency && queue.length > 0) {
      const id = queue.shift()!;
      launching++;
      void launch(id)
        .catch((error: unknown) => log.error({ err: error, job: id }, 'could not start a job'))
        .finally(() => {
          launching--;
          pump();
        });
    }
  }

  async function launch(id: number): Promise<void> {
    const job = toJobInfo(await record(id));
    if (!dirReady) {
      mkdirSync(options.dir, { recursive: true });
      dirReady = true;
    }
    const outFile = join(options.dir, `job-${id}.csv`);
    const columns = job.params.tags.flatMap((t) => options.describeTag?.(t) ?? []);
    const start: ExportStart = { type: 'export', location: store.location, outFile, ...job.params, columns, pauseMs: config.pauseBetweenChunksMs };
    const slot = freeSlot();
    let handle: ProcessHandle;
    try {
      // Parameters travel over IPC, never on a command line.
      handle = supervisor.start({ id: `export-${slot}`, name: `CSV export, job ${id}`, module: exportChild, initialMessage: start });
    } catch (error) {
      await change(id, { status: 'failed', endedAt: now(), error: `could not start: ${(error as Error).message}` });
      return;
    }
    const r: Running = {
      id,
      progress: 0,
      slot,
      handle,
      outFile,
      timedOut: false,
      interrupted: false,
      timer: setTimeout(() => {
        r.timedOut = true;
        log.warn({ job: id, timeoutMs: config.timeoutMs }, 'job timed out, stopping it');
        void handle.stop(STOP_GRACE_MS);
      }, config.timeoutMs),
      finished: Promise.resolve(),
    };
    running.set(id, r);
    const remove = handle.onMessage((m) => {
      if (!isExportReport(m)) return;
      if (m.type === 'progress' && !r.done && !r.cancelledBy && !r.timedOut) {
        r.progress = Math.min(99.9, m.progress);
        if (r.info) options.publish({ ...r.info, progress: r.progress });
      } else if (m.type === 'done') r.done = { rows: m.rows, bytes: m.bytes };
      else if (m.type === 'error') r.error = m.message;
    });
    const started = change(id, { status: 'running', startedAt: now(), progress: 0 }).then((info) => {
      r.info = info;
    });
    r.finished = handle.exited().then(async (info) => {
      remove();
      await started.catch(() => {});
      return finish(r, info);
    });
    await started;
  }

  async function finish(r: Running, info: ProcessInfo): Promise<void> {
    clearTimeout(r.timer);
    running.delete(r.id);
    const endedAt = now();
    if (r.done && info.exitCode === 0 && !r.cancelledBy) {
      await change(r.id, { status: 'succeeded', progress: 100, endedAt, result: { ...r.done, filename: `linewatch-export-${r.id}.csv` } });
    } else {
      await rm(r.outFile, { force: true }).catch(() => {});
      await rm(`${r.outFile}.part`, { force: true }).catch(() => {});
      const progress = r.progress;
      if (r.cancelledBy) await change(r.id, { status: 'cancelled', progress, endedAt, error: `cancelled by ${r.cancelledBy}` });
      else if (r.interrupted) await change(r.id, { status: 'failed', progress, endedAt, error: 'interrupted: the server stopped' });
      else if (r.timedOut) await change(r.id, { status: 'failed', progress, endedAt, error: `timed out after ${Math.round(config.timeoutMs / 1000)} s` });
      else await change(r.id, { status: 'failed', progress, endedAt, error: r.error ?? describeExit(info) });
    }
    pump();
  }

  async function sweep(): Promise<void> {
    for (const id of await store.jobs.deleteEndedBefore(now() - config.keepMs)) {
      void rm(join(options.dir, `job-${id}.csv`), { force: true }).catch((error: unknown) =>
        log.error({ err: error, job: id }, 'could not delete the file of a job'),
      );
    }
  }

  return {
    async create(params, createdBy) {
      if (stopping) throw new UnavailableError('the server is stopping');
      if (params.tags.length === 0 || params.tags.length > MAX_EXPORT_TAGS)
        throw new ValidationError(`an export takes 1 to ${MAX_EXPORT_TAGS} tags`, { field: 'tags' });
      params.tags.forEach((tag, i) => {
        if (!options.knownTags.has(tag)) throw new NotFoundError(`no tag "${tag}"`, { field: `tags[${i}]` });
      });
      if (new Set(params.tags).size !== params.tags.length) throw new ValidationError('tags are listed twice', { field: 'tags' });
      if (!(params.to > params.from)) throw new ValidationError('"to" must be after "from"', { field: 'to' });
      const days = (ms: number) => Math.round((ms / 86_400_000) * 10) / 10;
      if (params.to - params.from > config.maxRangeMs) {
        throw new ValidationError(`an export spans at most ${days(config.maxRangeMs)} days (the raw history kept)`, { field: 'from' });
      }
      const own = (await store.jobs.withStatus(['queued', 'running'])).filter((j) => j.createdBy === createdBy).length;
      if (own >= config.maxPerUser) throw new LimitError(`you have ${own} exports waiting or running (at most ${config.maxPerUser}): wait for one to end`);
      if (queue.length >= config.maxQueued) throw new UnavailableError(`${queue.length} jobs are waiting already; try again later`);
      const r = await store.jobs.create({
        kind: 'csv-export',
        params: { tags: [...params.tags], from: params.from, to: params.to },
        createdBy,
        createdAt: now(),
      });
      return toJobInfo(r);
    },
    async enqueue(id) {
      const job = toJobInfo(await record(id));
      if (job.status !== 'queued') throw new ConflictError(`job ${id} is ${job.status}`, { field: 'id' });
      if (stopping) {
        await change(id, { status: 'failed', endedAt: now(), error: 'the server is stopping' });
        throw new UnavailableError('the server is stopping');
      }
      if (!queue.includes(id)) queue.push(id);
      options.publish(job);
      pump();
      return toJobInfo(await record(id));
    },
    async list(limit = 50) {
      return (await store.jobs.list(limit)).map(live);
    },
    get: async (id) => live(await record(id)),
    async cancel(id, by) {
      const job = toJobInfo(await record(id));
      if (job.createdBy !== by.username && !by.admin)
        throw new ForbiddenError(`job ${id} is ${job.createdBy}'s: only they or an admin may cancel it`, { field: 'id' });
      if (terminal.has(job.status)) throw new ConflictError(`job ${id} is already ${job.status}`, { field: 'id' });
      const at = queue.indexOf(id);
      if (at >= 0) {
        queue.splice(at, 1);
        return await change(id, { status: 'cancelled', endedAt: now(), error: `cancelled by ${by.username}` });
      }
      const r = running.get(id);
      if (!r) throw new ConflictError(`job ${id} is not running here`, { field: 'id' });
      r.cancelledBy ??= by.username;
      await r.handle.stop(STOP_GRACE_MS);
      await r.finished;
      return live(await record(id));
    },
    async result(id) {
      const job = toJobInfo(await record(id));
      if (job.status !== 'succeeded' || !job.result) throw new ConflictError(`job ${id} is ${job.status}: no file to download`, { field: 'id' });
      const path = join(options.dir, `job-${id}.csv`);
      try {
        const { size } = await stat(path);
        return { path, filename: job.result.filename, bytes: size };
      } catch (error) {
        throw new NotFoundError(`the file of job ${id} is gone`, { field: 'id', cause: error });
      }
    },
    async start() {
      stopping = false;
      for (const r of await store.jobs.withStatus(['running'])) {
        await change(r.id, { status: 'failed', endedAt: now(), error: 'interrupted: the server stopped' });
      }
      for (const r of await store.jobs.withStatus(['queued'])) if (!queue.includes(r.id)) queue.push(r.id);
      await sweep();
      sweepTimer = setInterval(() => sweep().catch((error: unknown) => log.warn({ err: error }, 'job clean-up failed; next in an hour')), 3600_000);
      sweepTimer.unref();
      pump();
    },
    async stop() {
      stopping = true;
      clearInterval(sweepTimer);
      queue.length = 0;
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

/** What route handlers may do with jobs (Runtime.jobs); start and cancel are audited by the runtime. */
export interface JobsApi {
  /** Running and queued jobs, then the most recent others; newest first. */
  list(): Promise<JobInfo[]>;
  get(id: number): Promise<JobInfo>;
  /** Records and queues a CSV export (audited as `job.start`, target `job:<id>`). */
  startExport(params: ExportJobParams, actor: { username: string; ip: string }): Promise<JobInfo>;
  /** Cancels a queued or running job (audited as `job.cancel`), if the actor created it or is an admin; resolves once it is over. */
  cancel(id: number, actor: { username: string; ip: string; role: Role }): Promise<JobInfo>;
  /** The result file of a succeeded job. */
  result(id: number): Promise<JobResultFile>;
}

/** Audit detail of an export: its tags and range. */
export function describeExport(p: ExportJobParams): string {
  const tags = p.tags.join(',');
  return `${tags.length > 200 ? `${tags.slice(0, 200)}…` : tags} ${new Date(p.from).toISOString()}..${new Date(p.to).toISOString()}`;
}
