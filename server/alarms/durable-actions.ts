import type { AlarmService, EngineAlarmService } from './alarm-engine.ts';

/**
 * The engine's service with its operator actions (acknowledge, shelve, unshelve, out of
 * service, return to service) answered only once `durable()` resolves: their journal entries
 * and audit rows committed (or spooled on disk), so an action the operator was told is done
 * survives a crash the next instant. A refused action waits too (its audit row). For the
 * process group that runs its engines itself (local-floor.ts); a collector does the same per
 * command (line-unit.ts). Reads are the engine's own.
 */
export function answeredWhenDurable(service: EngineAlarmService, durable: () => Promise<unknown>): AlarmService {
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
