import type { Logger } from '../log/logger.ts';
import type { AuditEntry } from '../storage/store.ts';

export interface AuditQueue {
  /** Queues a row; rows are written one at a time, in order. */
  append(entry: AuditEntry): void;
  /** Rows not written yet. */
  pending(): number;
  /** Resolves once every queued row is written, or after `waitMs` (at shutdown). */
  drain(waitMs: number): Promise<void>;
}

const retryMs = { first: 100, max: 5000 } as const;

/**
 * The audit log's writer. An action has happened by the time it is audited (an alarm is
 * acknowledged, a user changed), so a row the database refuses cannot fail the action:
 * instead it stays queued and is retried, with backoff, until written — logged once per
 * outage and counted (`onFailure`), never dropped.
 */
export function createAuditQueue(write: (entry: AuditEntry) => Promise<void>, options: { log?: Logger; onFailure?: () => void } = {}): AuditQueue {
  const queue: AuditEntry[] = [];
  let writing = false;
  let delay = 0;
  let retry: NodeJS.Timeout | undefined;
  let drained: (() => void)[] = [];

  async function pump(): Promise<void> {
    if (writing) return;
    writing = true;
    retry = undefined;
    while (queue.length > 0) {
      try {
        await write(queue[0]!);
      } catch (error) {
        options.onFailure?.();
        if (delay === 0) options.log?.error({ err: error, pending: queue.length }, 'could not write the audit log; retrying');
        delay = Math.min(delay ? delay * 2 : retryMs.first, retryMs.max);
        writing = false;
        retry = setTimeout(pump, delay);
        // Shutdown does not wait for it (drain bounds that wait).
        retry.unref();
        return;
      }
      if (delay > 0) options.log?.info('the audit log is written again');
      delay = 0;
      queue.shift();
    }
    writing = false;
    for (const done of drained) done();
    drained = [];
  }

  return {
    append(entry) {
      queue.push(entry);
      if (!retry) void pump();
    },
    pending: () => queue.length,
    async drain(waitMs) {
      if (queue.length === 0) return;
      if (retry) {
        clearTimeout(retry);
        void pump();
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => drained.push(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
  };
}
