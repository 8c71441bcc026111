import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Spool } from '../spool/spool.ts';
import type { AuditEntry } from '../storage/store.ts';

export interface AuditQueue {
  /** Queues a row (given a `key` when it has none); rows are written one at a time, in order. */
  append(entry: AuditEntry): void;
  /**
   * Resolves once every row appended so far is durable: committed to the database, or in the
   * spool (synced to disk) — what an audited action is answered after. While someone waits and
   * the database fails, what memory holds goes to the spool at once rather than past
   * `maxQueued`. Never rejects; not settled while a row waits in memory without a spool.
   */
  written(): Promise<void>;
  /** Rows in memory not written yet (spooled ones not counted). */
  pending(): number;
  /** Starts writing what a previous run spooled (also started by the next `append`). */
  resume(): void;
  /**
   * Resolves once every queued row is written, or after `waitMs` (at shutdown); with a spool,
   * what is still in memory then goes to it, to be written at the next start.
   */
  drain(waitMs: number): Promise<void>;
}

export interface AuditQueueOptions {
  log?: Logger;
  /** Called each time writing a row fails (it is retried): for /metrics. */
  onFailure?: () => void;
  /** Local disk for rows the database cannot take now (server/spool/). */
  spool?: Spool<AuditEntry[]>;
  /** Rows kept in memory while the database cannot take them; past this they go to `spool` (without one they all stay in memory). Default 1000. */
  maxQueued?: number;
}

const retryMs = { first: 100, max: 5000 } as const;

/** A row in memory, and what resolves its `append` once it is durable. */
interface Queued {
  entry: AuditEntry;
  durable(): void;
}

/**
 * The audit log's writer. An action has happened by the time it is audited (an alarm is
 * acknowledged, a user changed), so a row the database refuses cannot fail the action:
 * instead it stays queued and is retried, with backoff, until written — logged once per
 * outage and counted (`onFailure`), never dropped. Past `maxQueued` rows the queue goes to the
 * spool; spooled rows are older than those in memory and written first. Each row carries a
 * key, and the store writes a key once: a row written again (a retry whose answer was lost, a
 * spool replayed after a crash) is not written twice.
 */
export function createAuditQueue(write: (entry: AuditEntry) => Promise<void>, options: AuditQueueOptions = {}): AuditQueue {
  const { spool } = options;
  const maxQueued = options.maxQueued ?? 1000;
  const queue: Queued[] = [];
  /** Settled once the last row appended is durable: rows become durable in order. */
  let last: Promise<void> = Promise.resolve();
  /** Someone waits (`written()`) for rows still in memory. */
  let awaited = false;
  let writing = false;
  let delay = 0;
  let retry: NodeJS.Timeout | undefined;
  let drained: (() => void)[] = [];

  /** The oldest spooled record, row by row (rows written before a failure are skipped by key when it is read again). */
  async function writeSpooled(): Promise<void> {
    const read = await spool!.read();
    if (!read) return;
    try {
      for (const entry of read.record) await write(entry);
    } catch (error) {
      spool!.rewind();
      throw error;
    }
    await spool!
      .commit(read)
      .catch((error: unknown) => options.log?.warn({ err: error }, 'could not mark spooled audit rows written (they may be written again: harmless)'));
  }

  async function writeHead(): Promise<void> {
    const head = queue[0]!;
    await write(head.entry);
    // A spill at shutdown may have taken it meanwhile (and written it to the spool: harmless, by key).
    if (queue[0] === head) queue.shift();
    head.durable();
  }

  /** Past the bound (or at shutdown, `all`): memory goes to the spool, behind what is there. */
  async function spill(all = false): Promise<void> {
    if (!spool || queue.length === 0 || (!all && queue.length <= maxQueued)) return;
    const rows = queue.splice(0);
    try {
      await spool.append(rows.map((r) => r.entry));
      for (const r of rows) r.durable();
    } catch (error) {
      options.log?.error({ err: error, rows: rows.length }, 'could not spool audit rows; they stay in memory');
      queue.unshift(...rows);
    }
  }

  async function pump(): Promise<void> {
    if (writing) return;
    writing = true;
    retry = undefined;
    while (spool?.backlog() || queue.length > 0) {
      try {
        if (spool?.backlog()) await writeSpooled();
        else await writeHead();
      } catch (error) {
        options.onFailure?.();
        if (delay === 0) options.log?.error({ err: error, pending: queue.length }, 'could not write the audit log; retrying');
        // An answer waits for these rows: on disk now, not once past the bound.
        await spill(awaited);
        if (queue.length === 0) awaited = false;
        delay = Math.min(delay ? delay * 2 : retryMs.first, retryMs.max);
        writing = false;
        retry = setTimeout(pump, delay);
        // Shutdown does not wait for it (drain bounds that wait).
        retry.unref();
        return;
      }
      if (delay > 0) options.log?.info('the audit log is written again');
      delay = 0;
    }
    writing = false;
    awaited = false;
    for (const done of drained) done();
    drained = [];
  }

  return {
    append(entry) {
      let durable!: () => void;
      last = new Promise<void>((resolve) => (durable = resolve));
      queue.push({ entry: entry.key ? entry : { ...entry, key: randomUUID() }, durable });
      // Past the bound, try at once rather than at the pending retry: if the database is still
      // away, the queue goes to the spool now.
      if (retry && spool && queue.length > maxQueued) {
        clearTimeout(retry);
        retry = undefined;
      }
      if (!retry) void pump();
    },
    written() {
      if (queue.length === 0) return last;
      awaited = true;
      // The database failing, a retry pending: try now (and spool, when it fails again) rather than at the backoff.
      if (retry && spool) {
        clearTimeout(retry);
        retry = undefined;
        void pump();
      }
      return last;
    },
    pending: () => queue.length,
    resume() {
      if (!retry && spool?.backlog()) void pump();
    },
    async drain(waitMs) {
      if (queue.length > 0 || spool?.backlog()) {
        clearTimeout(retry);
        retry = undefined;
        void pump();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([new Promise<void>((resolve) => drained.push(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
      if (queue.length === 0) return;
      const rows = queue.length;
      await spill(true);
      if (queue.length === 0) options.log?.warn({ rows }, 'audit rows spooled at shutdown: written at the next start');
    },
  };
}
