import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { AcknowledgeResult, AlarmService } from '../alarms/alarm-engine.ts';
import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import { checkKpiPeriod, type KpiRequest } from '../alarms/alarm-kpis.ts';
import type { Actor } from '../auth/audited.ts';
import { type LiveBus, lineOwner } from '../bus/live-bus.ts';
import type { AlarmRepository } from '../storage/store.ts';
import type { FloorState } from './floor-state.ts';

/**
 * The alarm service of a web instance: reads from the floor state (the bus's alarm events
 * and the owners' snapshots) and the store's journal; actions go to the line's owner as
 * commands and are answered once it has committed them, with its errors (state, field).
 */
export function createRemoteAlarms(options: {
  bus: LiveBus;
  state: FloorState;
  journal: AlarmRepository;
  kpis(request: KpiRequest): Promise<AlarmKpis>;
}): AlarmService {
  const { bus, state } = options;

  function known(id: string, field = 'id'): AlarmView {
    const alarm = state.alarm(id);
    if (!alarm) throw new NotFoundError(`no alarm "${id}"`, { field });
    return alarm;
  }

  const act = async (id: string, name: string, args: Record<string, unknown>, actor: Actor): Promise<AlarmView> =>
    (await bus.command(lineOwner(known(id).line), { name, args: { id, ...args, actor } })) as AlarmView;

  return {
    list(filter = {}) {
      const all = filter.all ? state.allAlarms() : state.activeAlarms();
      return filter.line ? all.filter((a) => a.line === filter.line) : all;
    },
    get: (id) => known(id),
    async acknowledge(ids, comment, actor) {
      const byLine = new Map<string, string[]>();
      for (const [i, id] of ids.entries()) {
        const line = known(id, `ids[${i}]`).line;
        byLine.set(line, [...(byLine.get(line) ?? []), id]);
      }
      const answers = await Promise.allSettled(
        [...byLine].map(([line, lineIds]) => bus.command(lineOwner(line), { name: 'alarm.acknowledge', args: { ids: lineIds, comment, actor } })),
      );
      const result: AcknowledgeResult = { acknowledged: [], skipped: [] };
      for (const [i, answer] of answers.entries()) {
        if (answer.status === 'fulfilled') {
          const { acknowledged, skipped } = answer.value as AcknowledgeResult;
          result.acknowledged.push(...acknowledged);
          result.skipped.push(...skipped);
        } else if (byLine.size === 1) {
          throw answer.reason;
        } else {
          for (const id of [...byLine.values()][i]!) result.skipped.push({ id, reason: (answer.reason as Error).message });
        }
      }
      if (result.acknowledged.length === 0) throw answers.find((a) => a.status === 'rejected')?.reason ?? new Error('nothing acknowledged');
      return result;
    },
    shelve: (id, durationMs, reason, actor) => act(id, 'alarm.shelve', { durationMs, reason }, actor),
    unshelve: (id, comment, actor) => act(id, 'alarm.unshelve', { comment }, actor),
    removeFromService: (id, reason, actor) => act(id, 'alarm.remove-from-service', { reason }, actor),
    returnToService: (id, comment, actor) => act(id, 'alarm.return-to-service', { comment }, actor),
    async journal(q) {
      if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new ValidationError('"from" is after "to"', { field: 'from' });
      const entries = await options.journal.journal({ ...q, limit: q.limit });
      return { entries, nextBefore: entries.length === q.limit ? entries.at(-1)!.seq : null };
    },
    async kpis(from, to) {
      checkKpiPeriod(from, to);
      return options.kpis({ from, to, now: Date.now(), active: state.activeAlarms(), queued: [] });
    },
  };
}
