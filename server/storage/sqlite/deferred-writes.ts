import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../../log/logger.ts';
import { StoreBusyError } from '../store.ts';

export interface DeferredWrites {
  /**
   * Runs `write` now, or, while another connection holds the write lock, later, in order.
   * Resolves once written; rejects when the write failed for any reason but a busy lock.
   */
  run(write: () => void): Promise<void>;
  /** Pending writes (for tests and close). */
  pending(): number;
  /** Writes what is pending, waiting for the lock up to `waitMs` (used on close). */
  flush(waitMs: number): void;
  close(): void;
}

const retryMs = 25;

const isBusy = (error: unknown) => (error as { code?: unknown }).code === 'SQLITE_BUSY';

interface Pending {
  write(): void;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Small main-thread writes (an audit row, a session's last-seen time) on a connection that
 * never waits for the write lock: the history writer thread holds it for each batch, and a
 * `busy_timeout` wait would stall the event loop for that long. When busy, writes queue in
 * order and are retried shortly; an audit row is late by milliseconds, never lost or
 * reordered. Any other failure is the caller's to handle (its promise rejects).
 */
export function createDeferredWrites(writer: Database.Database, log: Logger = silentLogger()): DeferredWrites {
  const queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;

  function drain(): void {
    timer = undefined;
    while (queue.length > 0) {
      const next = queue[0]!;
      try {
        next.write();
        next.resolve();
      } catch (error) {
        if (isBusy(error)) {
          timer = setTimeout(drain, retryMs);
          timer.unref();
          return;
        }
        log.warn({ err: error }, 'deferred write failed');
        next.reject(error);
      }
      queue.shift();
    }
  }

  return {
    run(write) {
      return new Promise((resolve, reject) => {
        queue.push({ write, resolve, reject });
        if (queue.length === 1 && !timer) drain();
      });
    },
    pending: () => queue.length,
    flush(waitMs) {
      if (queue.length === 0) return;
      clearTimeout(timer);
      writer.pragma(`busy_timeout = ${Math.round(waitMs)}`);
      try {
        drain();
      } finally {
        writer.pragma('busy_timeout = 0');
      }
      clearTimeout(timer);
      timer = undefined;
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
      // Still busy after flush's wait: whoever awaits these must hear of it, not wait forever.
      for (const left of queue.splice(0)) left.reject(new StoreBusyError('the database stayed busy until it closed; this write was not made'));
    },
  };
}
