import type { AuditEntry } from '../storage/store.ts';

/** Who asked for an action, for the audit log. */
export interface Actor {
  username: string;
  ip: string;
}

/**
 * Runs an action and appends one audit row with its outcome (sync or async). An async action
 * settles once its row is durable too, so whoever answers it answers only what cannot be lost.
 */
export type Audited = <T>(actor: Actor, action: string, target: string, run: () => T, detail?: string) => T;

/** An `Audited` that also tells when its rows are durable: a synchronous action's caller awaits `written()` before answering. */
export type DurableAudited = Audited & {
  /** Resolves once every row recorded through it so far is durable (committed, or spooled on disk). */
  written(): Promise<void>;
};

type AuditRow = Omit<AuditEntry, 'ts' | 'detail' | 'target'> & { target?: string | null; detail?: string | null };

/**
 * An `Audited` that writes its rows through `audit` (the auth service's queue, or a
 * collector's). `written` resolves once every row appended so far is durable (the queue's
 * `written`; never rejects); without it (a test's list), rows count as durable at once.
 */
export function auditedBy(audit: (entry: AuditRow) => void, written: () => Promise<void> = () => Promise.resolve()): DurableAudited {
  const record = (row: AuditRow): Promise<void> => {
    audit(row);
    return written();
  };
  const audited: Audited = (actor, action, target, run, detail) => {
    const outcome = (result: string) => record({ ...actor, action, target, result, detail });
    const failed = (error: unknown) => `failed: ${(error as Error).message}`;
    let out: ReturnType<typeof run>;
    try {
      out = run();
    } catch (error) {
      // A synchronous action's caller awaits `written()` before answering.
      void outcome(failed(error));
      throw error;
    }
    if (!(out instanceof Promise)) {
      void outcome('ok');
      return out;
    }
    return out.then(
      async (value) => {
        await outcome('ok');
        return value;
      },
      async (error: unknown) => {
        await outcome(failed(error));
        throw error;
      },
    ) as typeof out;
  };
  return Object.assign(audited, { written });
}
