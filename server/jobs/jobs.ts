import type { Readable } from 'node:stream';
import type { ExportJobParams, JobInfo } from '../../lib/types.ts';
import { ConflictError, ForbiddenError, LimitError, NotFoundError, UnavailableError, ValidationError } from '../../lib/errors.ts';
import type { JobRecord, Role, Store } from '../storage/store.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import type { ExportColumn } from './csv.ts';
import type { JobResults } from './job-results.ts';
import { toJobInfo } from './job-info.ts';
import { createJobWorker } from './job-worker.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

export interface JobsConfig {
  /** Jobs one worker runs at once; the rest wait in order. Default 2. */
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
  /** Where finished files are kept: resultsInDir (one box) or resultsInStore (scale-out). */
  results: JobResults;
  /** Runs exports here too (role all); without, the collectors' workers do. */
  worker?: { id: string; supervisor: Supervisor };
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
  filename: string;
  bytes: number;
  body: Readable;
}

export interface Jobs {
  /** Validates, records and announces (a `job` event) a CSV export as `queued`: from then on any worker may claim it. */
  create(params: ExportJobParams, createdBy: string): Promise<JobInfo>;
  /** Wakes this process's worker for a created job; the job as it is now (a worker may have claimed it). */
  enqueue(id: number): Promise<JobInfo>;
  /** Running and queued jobs, then the most recent others; newest first. */
  list(limit?: number): Promise<JobInfo[]>;
  get(id: number): Promise<JobInfo>;
  /**
   * A queued job is cancelled at once; a running one is stopped by its worker, wherever it
   * runs (SIGTERM → SIGKILL); resolves when it is over (or, with its worker out of reach, with
   * the job still running and the cancel requested). Only its creator or an admin may.
   */
  cancel(id: number, by: { username: string; admin: boolean }): Promise<JobInfo>;
  /** The result file of a succeeded job. */
  result(id: number): Promise<JobResultFile>;
  /** Starts the clean-up timer and this process's worker (which fails what it left running). */
  start(): Promise<void>;
  /** Stops this process's worker (its running jobs failed: interrupted); queued jobs stay queued. */
  stop(): Promise<void>;
}

const terminal = new Set(['succeeded', 'failed', 'cancelled']);

/** How long a cancel waits for the worker to end the job: a heartbeat, the stop grace, and margin. */
const CANCEL_WAIT_MS = 8000;

/**
 * Long jobs (CSV exports) over a durable queue in the store: any web instance records,
 * lists, cancels and serves them; workers (this process's in role all, the collectors' in
 * scale-out, job-worker.ts) claim and run them, each job once. Every change is persisted in
 * the `jobs` table and published as a `job` event.
 */
export function createJobs(options: JobsOptions): Jobs {
  const config = { ...defaultJobsConfig, ...options.config };
  const { store, results } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  const worker =
    options.worker &&
    createJobWorker({
      id: options.worker.id,
      store,
      supervisor: options.worker.supervisor,
      results,
      describeTag: options.describeTag,
      publish: options.publish,
      config,
      now,
      log,
    });
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  async function record(id: number): Promise<JobRecord> {
    const r = await store.jobs.get(id);
    if (!r) throw new NotFoundError(`no job ${id}`, { field: 'id' });
    return r;
  }

  async function sweep(): Promise<void> {
    for (const id of await store.jobs.deleteEndedBefore(now() - config.keepMs)) {
      void results.remove(id).catch((error: unknown) => log.error({ err: error, job: id }, 'could not delete the file of a job'));
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
      const open = await store.jobs.withStatus(['queued', 'running']);
      const own = open.filter((j) => j.createdBy === createdBy).length;
      if (own >= config.maxPerUser) throw new LimitError(`you have ${own} exports waiting or running (at most ${config.maxPerUser}): wait for one to end`);
      const queued = open.filter((j) => j.status === 'queued').length;
      if (queued >= config.maxQueued) throw new UnavailableError(`${queued} jobs are waiting already; try again later`);
      const r = await store.jobs.create({
        kind: 'csv-export',
        params: { tags: [...params.tags], from: params.from, to: params.to },
        createdBy,
        createdAt: now(),
      });
      // Announced at once: from here on any worker may claim it (and announce it running).
      const job = toJobInfo(r);
      options.publish(job);
      return job;
    },
    async enqueue(id) {
      const job = toJobInfo(await record(id));
      // A worker may have claimed it already: queued or running, it is on its way.
      if (terminal.has(job.status)) throw new ConflictError(`job ${id} is ${job.status}`, { field: 'id' });
      worker?.poke();
      return job;
    },
    async list(limit = 50) {
      return (await store.jobs.list(limit)).map(toJobInfo);
    },
    get: async (id) => toJobInfo(await record(id)),
    async cancel(id, by) {
      const job = toJobInfo(await record(id));
      if (job.createdBy !== by.username && !by.admin)
        throw new ForbiddenError(`job ${id} is ${job.createdBy}'s: only they or an admin may cancel it`, { field: 'id' });
      if (terminal.has(job.status)) throw new ConflictError(`job ${id} is already ${job.status}`, { field: 'id' });
      let current = toJobInfo((await store.jobs.requestCancel(id, by.username, now()))!);
      if (current.status === 'cancelled' && job.status === 'queued') {
        options.publish(current);
        return current;
      }
      // Running: its worker stops it at its next heartbeat (this process's at once).
      worker?.poke();
      const until = Date.now() + CANCEL_WAIT_MS;
      while (!terminal.has(current.status) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        current = toJobInfo(await record(id));
      }
      return current;
    },
    async result(id) {
      const job = toJobInfo(await record(id));
      if (job.status !== 'succeeded' || !job.result) throw new ConflictError(`job ${id} is ${job.status}: no file to download`, { field: 'id' });
      return { filename: job.result.filename, bytes: job.result.bytes, body: await results.open(id) };
    },
    async start() {
      stopping = false;
      await sweep();
      sweepTimer = setInterval(() => sweep().catch((error: unknown) => log.warn({ err: error }, 'job clean-up failed; next in an hour')), 3600_000);
      sweepTimer.unref();
      await worker?.start();
    },
    async stop() {
      stopping = true;
      clearInterval(sweepTimer);
      await worker?.stop();
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
