import type { HistoryWriter } from '../historian/history-writer.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

export interface RetentionOptions {
  /** Raw samples older than this are deleted, ms. */
  rawMs: number;
  /** Rollup minutes older than this are deleted, ms. */
  rollupMs: number;
  /** Rows deleted per step (one tag, one table, one short transaction). Default 2000. */
  stepRows?: number;
  /** Pause between two steps, ms: other work (the historian, requests) runs in between. Default 10. */
  pauseMs?: number;
  /** Time between the starts of two passes, ms. Default 10 min. */
  intervalMs?: number;
  now?: () => number;
  /** Default: silent. */
  log?: Logger;
}

export interface PruneCounts {
  /** Raw samples deleted row by row. */
  raw: number;
  rollups: number;
  /** Whole days of raw samples dropped at once (PostgreSQL's daily partitions). */
  rawDays: number;
}

const DAY_MS = 86_400_000;

export interface Retention {
  /** Runs a first pass soon, then one every `intervalMs`. */
  start(): void;
  /** Ends the current pass after its current step. */
  stop(): Promise<void>;
  /** One full pass now (or joins the one running); resolves with the rows deleted. */
  runOnce(): Promise<PruneCounts>;
}

/**
 * Enforces history retention in the background: deletes what is too old in small steps
 * (one tag, one table, at most `stepRows` rows each) through the historian's writer (a
 * worker thread in the server, so the deletes never block the event loop), pausing between
 * steps. Raw samples and rollups each have their own age limit.
 */
export function createRetention(writer: HistoryWriter, options: RetentionOptions): Retention {
  const stepRows = options.stepRows ?? 2000;
  const pauseMs = options.pauseMs ?? 10;
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  for (const [name, value] of [
    ['rawMs', options.rawMs],
    ['rollupMs', options.rollupMs],
  ] as const) {
    if (!(value > 0)) throw new RangeError(`${name} must be > 0, got ${value}`);
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PruneCounts> | undefined;
  let stopped = false;

  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, pauseMs));

  async function pruneAll(kind: 'raw' | 'rollups', before: number): Promise<number> {
    let total = 0;
    for (const tag of await writer.tags()) {
      for (;;) {
        if (stopped) return total;
        const n = await writer.prune(kind, tag, before, stepRows);
        total += n;
        if (n < stepRows) break;
        await pause();
      }
    }
    return total;
  }

  async function pass(): Promise<PruneCounts> {
    const t = now();
    let rawBefore = t - options.rawMs;
    let rawDays = 0;
    if (writer.dropRawDaysBefore) {
      // Whole days at once; the day that straddles the limit goes when all of it is too old
      // (rows of it pruned one by one now would be the slow path this avoids).
      rawDays = await writer.dropRawDaysBefore(rawBefore);
      rawBefore = Math.floor(rawBefore / DAY_MS) * DAY_MS;
    }
    const raw = await pruneAll('raw', rawBefore);
    const rollups = await pruneAll('rollups', t - options.rollupMs);
    if (raw + rollups + rawDays > 0) log.info({ rawDays, raw, rollupMinutes: rollups }, 'retention deleted old history');
    return { raw, rollups, rawDays };
  }

  function runOnce(): Promise<PruneCounts> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delay: number): void {
    timer = setTimeout(() => {
      runOnce().then(
        () => !stopped && schedule(intervalMs),
        (error: unknown) => {
          log.error({ err: error }, 'retention pass failed, retrying later');
          if (!stopped) schedule(intervalMs);
        },
      );
    }, delay);
    timer.unref();
  }

  return {
    start() {
      stopped = false;
      schedule(Math.min(intervalMs, 30_000));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
    runOnce,
  };
}
