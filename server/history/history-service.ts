import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import type { Resolution } from '../../lib/history/trend.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import { tagId, type Plant } from '../../lib/plant/schema.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import type { HistoryPoint, Store } from '../storage/store.ts';
import { createStoreWriter, type HistoryWriter } from '../historian/history-writer.ts';
import { createQueryPool, type QueryPool } from './query-pool.ts';
import { createRetention, type Retention } from './retention.ts';

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

/**
 * A trend answer: `json` is the `TrendResponse` as JSON text, built from the pieces the query
 * workers serialised (the main thread only joins them); the rest summarises it.
 */
export interface TrendAnswer {
  json: string;
  resolution: Resolution | 'mixed';
  tookMs: number;
  series: { tag: string; resolution: Resolution; points: number; scanned: number }[];
}

export interface HistoryService {
  /** Trends of several tags, M4-downsampled for `width` px, computed and serialised in the query workers. */
  trend(query: TrendQuery): Promise<TrendAnswer>;
  /** Raw points of one tag, oldest first; `truncated` when more than `limit` exist. */
  points(tag: string, from: number, to: number, limit: number): Promise<{ points: HistoryPoint[]; truncated: boolean }>;
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
  log?: (message: string) => void;
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
  const log = options.log ?? (() => {});
  const rawMs = config.rawRetentionDays * DAY_MS;
  let pool: QueryPool | undefined;
  let stopped = false;
  const queries = (): QueryPool => {
    if (stopped) throw new UnavailableError('history queries are stopped');
    return (pool ??= createQueryPool({ file: options.store.file, workers: config.queryWorkers, log }));
  };
  const retention = createRetention(options.writer ?? createStoreWriter(options.store), { rawMs, rollupMs: config.rollupRetentionDays * DAY_MS, now, log });

  function checkTag(tag: string, field: string): void {
    if (!options.knownTags.has(tag)) throw new NotFoundError(`no tag "${tag}"`, { field });
  }

  return {
    async trend(q) {
      q.tags.forEach((tag, i) => checkTag(tag, `tags[${i}]`));
      if (!(q.to > q.from)) throw new ValidationError('"from" must be before "to"', { field: 'from' });
      const rawSince = now() - rawMs;
      const answers = await Promise.all(q.tags.map((tag) => queries().trend({ tag, from: q.from, to: q.to, width: q.width, rawSince })));
      const resolutions = new Set(answers.map((a) => a.result.resolution));
      const resolution = resolutions.size === 1 ? answers[0]!.result.resolution : 'mixed';
      const tookMs = Math.round(Math.max(0, ...answers.map((a) => a.ms)) * 100) / 100;
      const head = { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), width: q.width, resolution, tookMs };
      // The same shape as TrendResponse: its fields, then the series the workers wrote.
      const json = `${JSON.stringify(head).slice(0, -1)},"series":[${answers.map((a) => a.result.json).join(',')}]}`;
      return { json, resolution, tookMs, series: answers.map(({ result: { json: _json, ...summary } }) => summary) };
    },
    async points(tag, from, to, limit) {
      checkTag(tag, 'tag');
      if (from > to) throw new ValidationError('"from" is after "to"', { field: 'from' });
      const { result } = await queries().points(tag, from, to, limit + 1);
      return { points: result.slice(0, limit), truncated: result.length > limit };
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
