import type { DurableAudited } from '../auth/audited.ts';
import type { AlarmService, EngineAlarmService } from './alarm-engine.ts';
import type { JournalWriter } from './journal-writer.ts';

/** Where an alarm action's rows go: the process's journal writer and its audit log. */
export interface ActionRecords {
  journal: Pick<JournalWriter, 'durable'>;
  audited: Pick<DurableAudited, 'written'>;
}

/**
 * The engine's service with its operator actions (acknowledge, shelve, unshelve, out of
 * service, return to service) answered only once their journal entries and audit rows are
 * durable: committed, or spooled on disk while the database is away (written, in order, when
 * it returns) — so an action the operator was told is done survives a crash the next instant,
 * and a database outage does not turn it into a timeout. A refused action waits too (its
 * audit row). The one rule of every role: the process group that runs its engines itself
 * (local-floor.ts) and a collector, per line (line-unit.ts). Reads are the engine's own.
 */
export function answeredWhenDurable(service: EngineAlarmService, records: ActionRecords): AlarmService {
  const durable = () => Promise.all([records.journal.durable(), records.audited.written()]);
  const afterDurable =
    <A extends unknown[], R>(action: (...args: A) => R) =>
    async (...args: A): Promise<R> => {
      try {
        return action(...args);
      } finally {
        await durable();
      }
    };
  return {
    list: (filter) => service.list(filter),
    get: (id) => service.get(id),
    journal: (q) => service.journal(q),
    kpis: (from, to) => service.kpis(from, to),
    acknowledge: afterDurable(service.acknowledge),
    shelve: afterDurable(service.shelve),
    unshelve: afterDurable(service.unshelve),
    removeFromService: afterDurable(service.removeFromService),
    returnToService: afterDurable(service.returnToService),
  };
}
