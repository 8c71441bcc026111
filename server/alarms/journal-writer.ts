import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { Logger } from '../log/logger.ts';
import type { JournalSpoolRecord } from '../spool/spool-codecs.ts';
import type { Spool } from '../spool/spool.ts';
import { type AlarmRepository, type AlarmStateWrite, StoreBusyError } from '../storage/store.ts';

/** An alarm's state as a commit saves it, or deletes it (`keep` false: nothing to restore); fenced by its owner's lease, if any. */
export type StateRow = AlarmStateWrite;

export interface JournalWriterOptions {
  store: Pick<AlarmRepository, 'commit'>;
  log: Logger;
  /**
   * Entries kept in memory while the database cannot take them. Past this, what is queued goes
   * to `spool`; without a spool the oldest entries beyond it are dropped (and logged). Default 10 000.
   */
  maxQueued?: number;
  /** Local disk for entries the database cannot take now (server/spool/). */
  spool?: Spool<JournalSpoolRecord>;
  /** How long `stop()` keeps trying before what is left goes to the spool, ms. Default 2000. */
  stopWaitMs?: number;
  /** Called each time a write fails for another reason than a busy database: for /metrics. */
  onWriteFailure?: () => void;
}

/**
 * The alarm journal's writer, one per process, shared by its alarm engines. Transitions are
 * written in order, all or nothing per commit, never waited for by the engine; what could not
 * be written is retried on a timer, with backoff (a busy database is no failure).
 */
export interface JournalWriter {
  /** Queues one round's entries (in seq order) and the states they leave; writes at once unless a retry is pending. */
  enqueue(entries: readonly AlarmJournalEntry[], states: readonly StateRow[]): void;
  /** Entries in memory not written yet (the commit under way included), oldest first: journal queries and KPIs count them. */
  queued(): AlarmJournalEntry[];
  /** Writes what a previous run spooled, so that states restored afterwards are the last ones; a failure is retried in the background. */
  start(): Promise<void>;
  /** Resolves once everything so far is committed (retries and the spool included): a collector hands a line over after it. */
  written(): Promise<void>;
  /**
   * Resolves once every entry queued so far is durable: committed, or in the spool (synced to
   * disk). Operator actions are answered after it. While someone waits and the database fails
   * (busy aside), what memory holds goes to the spool at once rather than past `maxQueued`.
   */
  durable(): Promise<void>;
  /** Writes what waits, trying for `stopWaitMs` at most (a busy database frees up within a batch); then the rest goes to the spool. A second call is harmless. */
  stop(): Promise<void>;
}

/**
 * Retry of a write that found the database busy (another writer) or failing: first delay, cap.
 * Busy is capped low: an operator's action is answered once its entry is committed, the lock
 * frees up within a history batch, and a try that finds it busy costs microseconds.
 */
const retryMs = { first: 5, busyMax: 25, failingMax: 5000 } as const;

/**
 * Order: the spool holds older entries than memory, so its records are written first, one
 * commit each; memory is spilled there, whole and behind them, only from the one write loop
 * (after a failed commit with more than `maxQueued` entries waiting or with an operator's
 * answer waiting for them, or at stop), so no commit
 * of memory is ever under way at the same time. Replaying a record twice (a crash between the
 * commit and the spool's marker) is harmless: an entry whose seq is written already is skipped.
 */
export function createJournalWriter(options: JournalWriterOptions): JournalWriter {
  const { store, log, spool } = options;
  const maxQueued = options.maxQueued ?? 10_000;
  /** Written in order, all or nothing: what the database does not hold yet (nor the spool). */
  let unsaved = { entries: [] as AlarmJournalEntry[], states: new Map<string, StateRow>() };
  /** Entries of the commit under way (a journal query still counts them as queued). */
  let writing: AlarmJournalEntry[] = [];
  /** The write run under way: one at a time. */
  let inFlight: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = 0;
  let failing = false;
  let stopped = false;
  /** Entries queued in this run, and how many of them (the oldest first) are committed or spooled since. */
  let queuedCount = 0;
  let durableCount = 0;
  /** Called each time entries become durable or a write run ends: `durable()` waiters look again. */
  let progressed: (() => void)[] = [];
  /** `durable()` calls waiting. */
  let awaiting = 0;

  const hasUnsaved = () => unsaved.entries.length > 0 || unsaved.states.size > 0;
  const waiting = () => spool?.backlog() === true || hasUnsaved();

  function progress(): void {
    const waiters = progressed;
    progressed = [];
    for (const look of waiters) look();
  }

  /** Runs one commit; false when it did not go through (logged once per outage, counted). */
  async function attempt(commit: () => Promise<void>): Promise<boolean> {
    try {
      await commit();
      if (failing) log.info('the alarm journal is written again');
      failing = false;
      return true;
    } catch (error) {
      if (!(error instanceof StoreBusyError)) {
        options.onWriteFailure?.();
        if (!failing) log.error({ err: error }, 'writing the alarm journal failed, will retry');
        failing = true;
      }
      return false;
    }
  }

  /** The oldest spooled record, in one commit. */
  async function commitSpooled(): Promise<boolean> {
    let read: Awaited<ReturnType<Spool<JournalSpoolRecord>['read']>>;
    try {
      read = await spool!.read();
    } catch (error) {
      log.error({ err: error }, 'could not read the alarm journal spool, will retry');
      return false;
    }
    if (!read) return true;
    if (!(await attempt(() => store.commit(read.record.entries, read.record.states)))) {
      spool!.rewind();
      return false;
    }
    await spool!
      .commit(read)
      .catch((error: unknown) => log.warn({ err: error }, 'could not mark spooled journal entries written (they may be written again: harmless)'));
    return true;
  }

  /** One commit of everything queued in memory; what did not go through goes back to the head of the queue, in order. */
  async function commitQueued(): Promise<boolean> {
    const batch = unsaved;
    unsaved = { entries: [], states: new Map() };
    writing = batch.entries;
    try {
      const ok = await attempt(() => store.commit(batch.entries, [...batch.states.values()]));
      // States changed meanwhile keep their newer value.
      if (!ok) unsaved = { entries: [...batch.entries, ...unsaved.entries], states: new Map([...batch.states, ...unsaved.states]) };
      else durableCount += batch.entries.length;
      return ok;
    } finally {
      writing = [];
    }
  }

  /** Past `maxQueued` (or at stop, `all`): memory goes to the spool, behind what is there; without one the oldest entries beyond the bound are dropped. */
  async function spill(all = false): Promise<void> {
    if (!hasUnsaved() || (!all && unsaved.entries.length <= maxQueued)) return;
    if (!spool) {
      if (unsaved.entries.length <= maxQueued) return;
      const dropped = unsaved.entries.length - maxQueued;
      log.error({ dropped }, 'dropped alarm journal entries the database could not take');
      unsaved.entries = unsaved.entries.slice(-maxQueued);
      // Nothing more will come of them: whoever waits for them is not kept waiting.
      durableCount += dropped;
      progress();
      return;
    }
    const batch = unsaved;
    unsaved = { entries: [], states: new Map() };
    try {
      await spool.append({ entries: batch.entries, states: [...batch.states.values()] });
      durableCount += batch.entries.length;
      progress();
    } catch (error) {
      log.error({ err: error, entries: batch.entries.length }, 'could not spool alarm journal entries; they stay in memory');
      unsaved = { entries: [...batch.entries, ...unsaved.entries], states: new Map([...batch.states, ...unsaved.states]) };
    }
  }

  /** Writes what waits until nothing does; on a failure, spills past the bound and tries again later. Joins the run under way, if any. */
  function writeAll(): Promise<void> {
    retryTimer = undefined;
    inFlight ??= (async () => {
      while (waiting()) {
        const ok = spool?.backlog() ? await commitSpooled() : await commitQueued();
        if (!ok) {
          // An operator's answer waits for these: on disk now, not once past the bound (a busy
          // database is no failure: it frees up within a history batch).
          await spill(failing && awaiting > 0);
          return retryLater();
        }
      }
      retryDelay = 0;
    })().finally(() => {
      inFlight = undefined;
      progress();
    });
    return inFlight;
  }

  function retryLater(): void {
    if (stopped) return;
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : retryMs.first, failing ? retryMs.failingMax : retryMs.busyMax);
    retryTimer = setTimeout(() => void writeAll(), retryDelay);
    // Kept alive only for someone waiting on it.
    if (awaiting === 0) retryTimer.unref();
  }

  return {
    enqueue(entries, states) {
      queuedCount += entries.length;
      unsaved.entries.push(...entries);
      for (const row of states) unsaved.states.set(row.state.id, row);
      // Past the bound, try at once rather than at the pending retry: if the database is still
      // away, the queue goes to the spool now, not after the backoff.
      if (retryTimer !== undefined && spool && unsaved.entries.length > maxQueued) {
        clearTimeout(retryTimer);
        retryTimer = undefined;
      }
      if (retryTimer === undefined) void writeAll();
    },
    queued: () => [...writing, ...unsaved.entries],
    async start() {
      if (spool?.backlog()) await writeAll();
    },
    async written() {
      // A run under way counts even when nothing looks waiting: a spooled record it took is
      // off the spool's backlog before its commit.
      while (inFlight || waiting() || writing.length > 0) await (inFlight ?? new Promise((resolve) => setTimeout(resolve, 20)));
    },
    async durable() {
      const target = queuedCount;
      if (durableCount >= target) return;
      awaiting++;
      try {
        // The database failing, a retry pending: try now (and spool, when it fails again) rather than at the backoff.
        if (failing && spool && retryTimer !== undefined) {
          clearTimeout(retryTimer);
          void writeAll();
        }
        retryTimer?.ref();
        while (durableCount < target) await new Promise<void>((resolve) => progressed.push(resolve));
      } finally {
        awaiting--;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const deadline = Date.now() + (options.stopWaitMs ?? 2000);
      await inFlight;
      while (waiting() && Date.now() < deadline) {
        await writeAll();
        if (waiting()) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if (hasUnsaved() && spool) {
        const entries = unsaved.entries.length;
        await spill(true);
        if (!hasUnsaved()) log.warn({ entries }, 'alarm journal entries spooled at stop: written at the next start');
      }
      if (unsaved.entries.length > 0) log.error({ entries: unsaved.entries.length }, 'alarm journal entries could not be written at stop');
    },
  };
}
