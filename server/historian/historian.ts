import type { Sample } from '../../lib/types.ts';
import type { RollupRow, Store } from '../storage/store.ts';
import { createDeadbandFilter } from './deadband.ts';
import { createStoreWriter, type HistoryWriter } from './history-writer.ts';
import { createRollupAccumulator, minuteOf } from './rollup-accumulator.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { Spool, SpoolRead } from '../spool/spool.ts';

export interface HistorianOptions {
  /** Commit at least this often, ms. Default 1000. */
  flushIntervalMs?: number;
  /** Samples per transaction; bigger batches are split with a yield in between. Default 2000. */
  batchSize?: number;
  /**
   * Samples kept in memory while the store refuses writes. Beyond, the oldest go to `spool`
   * (a batch at a time), or without one are dropped. Default 1 000 000.
   */
  maxBuffered?: number;
  /**
   * Local disk for samples past `maxBuffered` (server/spool/): written back, oldest first,
   * before what memory holds, once the store takes writes again — also after a restart.
   * The historian owns its reading; whoever made it closes it, after `stop()`.
   */
  spool?: Spool<Sample[]>;
  /** Per-tag deadband (engineering units): moves within it are not stored as raw samples. Default none. */
  deadbands?: ReadonlyMap<string, number>;
  /** With a deadband, a tag is still stored at least this often, ms. Default 60 000. */
  deadbandMaxIntervalMs?: number;
  /** A tag's rollup minute is written this long after the minute ended if no later sample closed it, ms. Default 5000. */
  rollupGraceMs?: number;
  /**
   * At start, rollups of the minutes of the last this many ms not rolled up yet (a crash) are
   * rebuilt from raw, in the background, a tag at a time. Default 10 min.
   */
  rollupRepairMs?: number;
  /**
   * Where batches are written. Default: the store, on this thread. The server passes a
   * worker-thread writer (worker-writer.ts) so no write blocks the event loop. The historian
   * closes it on stop().
   */
  writer?: HistoryWriter;
  now?: () => number;
  /** Default: silent. */
  log?: Logger;
  onCommitted?: (count: number, seconds: number) => void;
  /** Samples dropped: past `maxBuffered` without a spool, or a spool that could not take them. */
  onDropped?: (count: number) => void;
}

export interface Historian {
  append(samples: readonly Sample[]): void;
  /** Writes everything buffered so far (rollups of minutes still open excepted). */
  flush(): Promise<void>;
  /**
   * Commits every `flushIntervalMs` from now on, and rebuilds the rollups a crash left out in
   * the background (this run's rollups are held back until that is done). Resolves at once.
   */
  start(): Promise<void>;
  /** Final flush, held-back deadband values and open rollup minutes included; accepts nothing afterwards. */
  stop(): Promise<void>;
  buffered(): number;
  /** The deadbands of a new plant version, from the next sample on. */
  setDeadbands(deadbands: ReadonlyMap<string, number>): void;
}

/** Rollup rows per transaction, next to a batch of samples. */
const ROLLUP_BATCH = 2000;
/** Batches handed to the writer before the first is confirmed. */
const PIPELINE = 2;

/**
 * Buffers samples and commits them in batched transactions. Each transaction is short
 * (`batchSize` rows, a few ms) and batches are separated by a macrotask so the event loop
 * keeps serving. When the store fails, samples stay buffered (bounded) and are retried.
 *
 * As samples arrive it also keeps 1-minute rollups (see rollup-accumulator.ts), written in
 * the same transactions as the raw samples once their minute is over, and applies each
 * tag's deadband: only samples that move, and the last value before a move, are stored raw
 * (rollups still see every sample).
 */
export function createHistorian(store: Store, options: HistorianOptions = {}): Historian {
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 2000;
  const maxBuffered = options.maxBuffered ?? 1_000_000;
  const rollupGraceMs = options.rollupGraceMs ?? 5000;
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  let deadband =
    options.deadbands && options.deadbands.size > 0
      ? createDeadbandFilter({ deadbands: options.deadbands, maxIntervalMs: options.deadbandMaxIntervalMs })
      : undefined;
  const rollups = createRollupAccumulator();
  const writer = options.writer ?? createStoreWriter(store);
  const spool = options.spool;
  /** Appends to the spool under way (awaited at stop). */
  const spilling = new Set<Promise<void>>();
  /** What a previous run spooled starts here (epoch ms): its minutes' rollups are rebuilt once it is written. */
  let spooledFrom: number | undefined;
  let startedAt = 0;
  /** The oldest sample this run was given (epoch ms): raw samples from here on are this run's, rolled up as they arrive. */
  let firstAppended = Number.POSITIVE_INFINITY;
  /** The start's rollup repair under way: this run's rollup rows wait until it is done. */
  let repairing: Promise<void> | undefined;
  /** The rebuild of a previous run's spooled minutes, while it runs (see rebuildSpooledMinutes). */
  let rebuildingSpooled: Promise<void> | undefined;
  // A queue as array + head index: taking a batch off the front must not copy the rest.
  let buffer: Sample[] = [];
  let head = 0;
  let pendingRollups: RollupRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let stopped = false;

  const size = () => buffer.length - head;

  function compact(): void {
    if (head > 0 && (head >= buffer.length || head > 65_536)) {
      buffer = buffer.slice(head);
      head = 0;
    }
  }

  interface Batch {
    samples: Sample[];
    rows: RollupRow[];
    /** Read from the spool: committed there once written, given back there if not. */
    spooled?: SpoolRead<Sample[]>;
  }

  /**
   * Rollup rows to write now: none while minutes of earlier runs are rebuilt from raw — the
   * start's repair, and a previous run's spool until it is written and its minutes rebuilt.
   * A rebuild recomputes the 10-minute and hour rows over its minutes from every minute row the
   * store holds; were this run's rows there already, those coarser rows would hold them, and
   * this run's own coarser rows, merged when they close, would count them twice.
   */
  const holdingRollups = () => repairing !== undefined || spooledFrom !== undefined || rebuildingSpooled !== undefined;
  const rollupsReady = () => pendingRollups.length > 0 && !holdingRollups();

  function takeRollups(): RollupRow[] {
    if (holdingRollups()) return [];
    const rows = pendingRollups.length <= ROLLUP_BATCH ? pendingRollups : pendingRollups.slice(0, ROLLUP_BATCH);
    pendingRollups = rows === pendingRollups ? [] : pendingRollups.slice(rows.length);
    return rows;
  }

  /**
   * The next batch: the spool's oldest record while it has one (its samples are older than any
   * in memory), else the front of the memory queue. `giveBack` returns a failed one.
   */
  async function takeBatch(): Promise<Batch | undefined> {
    if (spool?.backlog()) {
      const spooled = await spool.read();
      if (spooled) return { samples: spooled.record, rows: takeRollups(), spooled };
      // Only records already handed out (being written) or appends that failed: memory is next.
    }
    if (size() === 0 && !rollupsReady()) return undefined;
    const samples = buffer.slice(head, head + batchSize);
    head += samples.length;
    compact();
    return { samples, rows: takeRollups() };
  }

  function giveBack(b: Batch): void {
    if (b.spooled) spool!.rewind();
    else {
      buffer = b.samples.concat(buffer.slice(head));
      head = 0;
    }
    // Each rollup row is in exactly one batch, so a failed one is merged again exactly once.
    pendingRollups = b.rows.concat(pendingRollups);
  }

  /**
   * Past `maxBuffered`: the oldest samples go to the spool, a batch a record, behind what it
   * holds (its records are always older than memory). Rollups have seen them already. A
   * memory batch whose write fails after a spill goes back to memory, so it is written after
   * the (newer) spilled ones: samples are keyed by (tag, time), so what is stored is the same.
   */
  function spill(all = false): void {
    while (size() > (all ? 0 : maxBuffered)) {
      const samples = buffer.slice(head, head + batchSize);
      head += samples.length;
      compact();
      const appended = spool!.append(samples).catch((error: unknown) => {
        log.error({ err: error, samples: samples.length }, 'could not spool samples: dropped');
        options.onDropped?.(samples.length);
      });
      spilling.add(appended);
      void appended.finally(() => spilling.delete(appended));
    }
  }

  /**
   * Writes batches until the queue is empty or a write fails. Up to `PIPELINE` batches are in
   * flight so a writer thread never waits for the next one; raw samples are keyed by (tag,
   * time), so a batch written after a failed one is harmless to write again.
   */
  async function writeOut(final = false): Promise<void> {
    for (const row of final ? rollups.takeAll() : rollups.takeClosed(now() - rollupGraceMs)) pendingRollups.push(row);
    const inFlight: Promise<boolean>[] = [];
    const more = () => spool?.backlog() || size() > 0 || rollupsReady();
    while (more() || inFlight.length > 0) {
      while (inFlight.length < PIPELINE && more()) {
        let b: Batch | undefined;
        try {
          b = await takeBatch();
        } catch (error) {
          log.error({ err: error }, 'could not read the sample spool, will retry');
          break;
        }
        if (!b) break;
        const batch = b;
        const started = performance.now();
        inFlight.push(
          writer.write(batch.samples, batch.rows).then(
            async () => {
              if (batch.samples.length > 0) options.onCommitted?.(batch.samples.length, (performance.now() - started) / 1000);
              if (batch.spooled) {
                await spool!
                  .commit(batch.spooled)
                  .catch((error: unknown) => log.warn({ err: error }, 'could not mark spooled samples written (they may be written again: harmless)'));
                if (spooledFrom !== undefined && spool!.stats().rows === 0) {
                  rebuildingSpooled ??= rebuildSpooledMinutes().finally(() => {
                    rebuildingSpooled = undefined;
                  });
                }
              }
              return true;
            },
            (error: unknown) => {
              log.warn({ err: error, samples: batch.samples.length }, 'history write failed, kept for retry');
              giveBack(batch);
              return false;
            },
          ),
        );
      }
      if (inFlight.length === 0) return;
      if (!(await inFlight.shift()!)) {
        await Promise.all(inFlight);
        return;
      }
      // A macrotask between batches: with a writer on this thread, the event loop still turns.
      if (more() || inFlight.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  function flush(final = false): Promise<void> {
    flushing ??= writeOut(final).finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  const rebuild: NonNullable<HistoryWriter['rebuildRollups']> = writer.rebuildRollups
    ? (tag, from, before) => writer.rebuildRollups!(tag, from, before)
    : createStoreWriter(store).rebuildRollups!;

  /**
   * Rebuilds each tag's 1-minute rollups from its raw samples in [fromOf(tag), before(tag)), a
   * tag per writer call (batches of samples go on in between); returns how many minutes.
   */
  async function rebuildMinutes(fromOf: (tag: string) => number, before: () => number): Promise<number> {
    let rebuilt = 0;
    for (const tag of await store.samples.tags()) {
      const from = fromOf(tag);
      const to = before();
      if (from < to) rebuilt += await rebuild(tag, from, to);
    }
    return rebuilt;
  }

  /**
   * Rollups are written when their minute closes, so a crash loses the open minutes' rows (not
   * their raw samples): rebuild the recent minutes from raw. Runs while this run's samples are
   * committed, so it reads only the raw samples from before them (this run's first sample, or
   * its start if earlier): the start minute is rebuilt with the previous runs' part, and this
   * run's rows, held back until now, are merged into it as before.
   */
  async function repairRollups(): Promise<void> {
    const oldest = minuteOf(now() - (options.rollupRepairMs ?? 10 * 60_000));
    const newest = await store.rollups.newestMinutes();
    const rebuilt = await rebuildMinutes(
      (tag) => Math.max(oldest, newest.get(tag) ?? oldest),
      () => Math.min(startedAt, firstAppended),
    );
    if (rebuilt > 0) log.info({ minutes: rebuilt, since: new Date(oldest).toISOString() }, 'rebuilt rollup minutes from raw samples');
  }

  /**
   * Once what a previous run spooled is written, its minutes' rollups are rebuilt from raw (the
   * start's repair may have run before those samples were there), up to the minute before this
   * start: this run's own rollups are merged into that one and later ones (they are held back
   * until then: holdingRollups). After the repair.
   */
  async function rebuildSpooledMinutes(): Promise<void> {
    const from = minuteOf(spooledFrom!);
    spooledFrom = undefined;
    try {
      await repairing;
      const rebuilt = await rebuildMinutes(
        () => from,
        () => minuteOf(startedAt),
      );
      log.info({ minutes: rebuilt, since: new Date(from).toISOString() }, 'spooled samples written; rebuilt their rollup minutes');
    } catch (error) {
      log.error({ err: error }, 'rebuilding the rollups of spooled samples failed');
    }
  }

  return {
    append(samples) {
      if (stopped) return;
      for (const s of samples) {
        if (s.ts < firstAppended) firstAppended = s.ts;
        rollups.add(s);
        if (deadband) deadband.accept(s, buffer);
        else buffer.push(s);
      }
      if (size() <= maxBuffered) return;
      if (spool) return spill();
      const excess = size() - maxBuffered;
      head += excess;
      compact();
      options.onDropped?.(excess);
    },
    flush: () => flush(),
    async start() {
      startedAt = now();
      if (spool?.backlog()) spooledFrom = spool.stats().oldestAt;
      // Raw samples flow from the start: after many crashes the repair takes a while, and a
      // crash before the first commit would lose more than one batch.
      repairing = repairRollups()
        .catch((error: unknown) => log.error({ err: error }, 'rollup repair failed'))
        .finally(() => {
          repairing = undefined;
        });
      const tick = () => {
        void flush().finally(() => {
          if (!stopped) timer = setTimeout(tick, flushIntervalMs);
        });
      };
      timer = setTimeout(tick, flushIntervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await flushing;
      // The final flush writes this run's rollups: after the repair (a few seconds at most).
      await repairing;
      if (deadband) for (const s of deadband.drain()) buffer.push(s);
      await flush(true);
      // The final flush drained a previous run's spool: its rebuild, then this run's rollups.
      if (rebuildingSpooled !== undefined) {
        await rebuildingSpooled;
        await flush(true);
      }
      if (spool && size() > 0) {
        // What the store did not take is written at the next start (and its minutes' rollups rebuilt then).
        const samples = size();
        spill(true);
        await Promise.all(spilling);
        log.warn({ samples }, 'samples spooled at stop: written at the next start');
      }
      await Promise.all(spilling);
      await writer.close();
    },
    buffered: size,
    setDeadbands(deadbands) {
      if (deadband) deadband.setDeadbands(deadbands, buffer);
      else if (deadbands.size > 0) deadband = createDeadbandFilter({ deadbands, maxIntervalMs: options.deadbandMaxIntervalMs });
    },
  };
}
