import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../../log/logger.ts';

export interface DeferredWrites {
  /** Runs `write` now, or, while another connection holds the write lock, later, in order. */
  run(write: () => void): void;
  /** Pending writes (for tests and close). */
  pending(): number;
  /** Writes what is pending, waiting for the lock up to `waitMs` (used on close). */
  flush(waitMs: number): void;
  close(): void;
}

const retryMs = 25;

const isBusy = (error: unknown) => (error as { code?: unknown }).code === 'SQLITE_BUSY';

/**
 * Small main-thread writes (an audit row, a session's last-seen time) on a connection that
 * never waits for the write lock: the history writer thread holds it for each batch, and a
 * `busy_timeout` wait would stall the event loop for that long. When busy, writes queue in
 * order and are retried shortly; an audit row is late by milliseconds, never lost or reordered.
 */
export function createDeferredWrites(writer: Database.Database, log: Logger = silentLogger()): DeferredWrites {
  const queue: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;

  function drain(): void {
    timer = undefined;
    while (queue.length > 0) {
      try {
        queue[0]!();
      } catch (error) {
        if (isBusy(error)) {
          timer = setTimeout(drain, retryMs);
          timer.unref();
          return;
        }
        log.error({ err: error }, 'deferred write failed and was dropped');
      }
      queue.shift();
    }
  }

  return {
    run(write) {
      queue.push(write);
      if (queue.length === 1 && !timer) drain();
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
    },
  };
}
