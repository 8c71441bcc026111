import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import { tagId, type Plant } from '../../lib/plant/schema.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../../lib/errors.ts';
import type { Store } from '../storage/store.ts';
import { createStoreWriter, type HistoryWriter } from '../historian/history-writer.ts';
import type { AnswerBody } from './answer-body.ts';
import type { TrendAnswer } from './query-messages.ts';
import { createQueryPool, type QueryPool } from './query-pool.ts';
import { createRetention, type Retention } from './retention.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

export interface HistoryConfig {
  /** Raw samples are kept this many days. Default 30. */
  rawRetentionDays: number;
  /** 1-minute rollups are kept this many days. Default 730. */
  rollupRetentionDays: number;
  /** Query worker threads. Default 2. */
  queryWorkers: number;
}

export const defaultHistoryConfig: HistoryConfig = { rawRetentionDays: 30, rollupRetentionDays: 730, queryWorkers: 2 };

export interface TrendQuery {
  tags: readonly string[];
  from: number;
  to: number;
  /** Chart width, px. */
  width: number;
}

/** How the answer body may be encoded (the client's Accept-Encoding). */
export interface BodyOptions {
  gzip: boolean;
}

export interface HistoryService {
  /**
   * Trends of several tags, M4-downsampled for `width` px: computed, serialised and compressed
   * in one query worker. One worker per request, not one per tag: with several supervisors
   * at once every worker is busy anyway, and the answer needs no assembly on the main thread.
   */
  trend(query: TrendQuery, body?: BodyOptions): Promise<TrendAnswer>;
  /** Raw points of one tag, oldest first, as an answer body; `truncated` when more than `limit` exist. */
  points(tag: string, from: number, to: number, limit: number, body?: BodyOptions): Promise<{ body: AnswerBody; truncated: boolean }>;
  /** Alarm KPIs, the journal read and reduced in the query workers (the alarm engine's `kpis` option). */
  alarmKpis(request: KpiRequest): Promise<AlarmKpis>;
  readonly retention: Retention;
  start(): void;
  stop(): Promise<void>;
}

export interface HistoryServiceOptions {
  store: Store;
  /** Retention deletes go through it (the historian's writer). Default: the store, on this thread. */
  writer?: HistoryWriter;
  /** Tags that exist in the plant; others are refused (404). */
  knownTags: ReadonlySet<string>;
  config?: Partial<HistoryConfig>;
  now?: () => number;
  /** Default: silent. */
  log?: Logger;
}

const DAY_MS = 86_400_000;

/**
 * History reads and retention: the part of the runtime that answers trend queries (off the
 * main loop, in a query-worker pool) and prunes old data (in the background, in steps).
 * Writing is the historian's job.
 */
export function createHistoryService(options: HistoryServiceOptions): HistoryService {
  const config = { ...defaultHistoryConfig, ...options.config };
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  const rawMs = config.rawRetentionDays * DAY_MS;
  let pool: QueryPool | undefined;
  let stopped = false;
  const queries = (): QueryPool => {
    if (stopped) throw new UnavailableError('history queries are stopped');
    return (pool ??= createQueryPool({ location: options.store.location, workers: config.queryWorkers, log }));
  };
  const retention = createRetention(options.writer ?? createStoreWriter(options.store), { rawMs, rollupMs: config.rollupRetentionDays * DAY_MS, now, log });

  function checkTag(tag: string, field: string): void {
    if (!options.knownTags.has(tag)) throw new NotFoundError(`no tag "${tag}"`, { field });
  }

  return {
    async trend(q, body = { gzip: false }) {
      for (const [i, tag] of q.tags.entries()) checkTag(tag, `tags[${i}]`);
      if (!(q.to > q.from)) throw new ValidationError('"from" must be before "to"', { field: 'from' });
      const { result } = await queries().trend({ tags: q.tags, from: q.from, to: q.to, width: q.width, rawSince: now() - rawMs, gzip: body.gzip });
      return result;
    },
    async points(tag, from, to, limit, body = { gzip: false }) {
      checkTag(tag, 'tag');
      if (from > to) throw new ValidationError('"from" is after "to"', { field: 'from' });
      return (await queries().points({ tag, from, to, limit, gzip: body.gzip })).result;
    },
    async alarmKpis(request) {
      return (await queries().alarmKpis(request)).result;
    },
    retention,
    start() {
      stopped = false;
      retention.start();
    },
    async stop() {
      stopped = true;
      await retention.stop();
      await pool?.close();
    },
  };
}

/** Deadbands of the plant's tags that have one (`historyDeadband`), by tag id. */
export function deadbandsOf(plant: Plant): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of plant.lines) {
    for (const c of line.connections) for (const t of c.tags) if (t.historyDeadband !== undefined) out.set(tagId(line.id, t.name), t.historyDeadband);
  }
  return out;
}
