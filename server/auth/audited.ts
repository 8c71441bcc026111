import type { AuditEntry } from '../storage/store.ts';

/** Who asked for an action, for the audit log. */
export interface Actor {
  username: string;
  ip: string;
}

/** Runs an action and appends one audit row with its outcome (sync or async). */
export type Audited = <T>(actor: Actor, action: string, target: string, run: () => T, detail?: string) => T;

/** An `Audited` that writes its rows through `audit` (the auth service's queue, or a collector's). */
export function auditedBy(audit: (entry: Omit<AuditEntry, 'ts' | 'detail' | 'target'> & { target?: string | null; detail?: string | null }) => void): Audited {
  return (actor, action, target, run, detail) => {
    const record = (result: string) => audit({ ...actor, action, target, result, detail });
    const failed = (error: unknown) => `failed: ${(error as Error).message}`;
    let out: ReturnType<typeof run>;
    try {
      out = run();
    } catch (error) {
      record(failed(error));
      throw error;
    }
    if (!(out instanceof Promise)) {
      record('ok');
      return out;
    }
    return out.then(
      (value) => (record('ok'), value),
      (error: unknown) => {
        record(failed(error));
        throw error;
      },
    ) as typeof out;
  };
}
