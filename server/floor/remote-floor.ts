import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import { NotFoundError } from '../../lib/errors.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { ProcessInfo } from '../../lib/types.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import { type LiveBus, lineOwner } from '../bus/live-bus.ts';
import type { Logger } from '../log/logger.ts';
import type { AlarmRepository } from '../storage/store.ts';
import type { WriteOutcome } from '../writes/tag-writer.ts';
import type { Floor } from './floor.ts';
import { createFloorState } from './floor-state.ts';
import { syncFromOwners } from './owner-sync.ts';
import { createRemoteAlarms } from './remote-alarms.ts';

/**
 * The floor of a web instance (role `web`): the collectors poll, alarm and run simulators;
 * this instance knows what the live bus carries and the owners' snapshots, and sends the
 * operators' actions to the line's owner as commands.
 */
export function createRemoteFloor(options: {
  plant: Plant;
  bus: LiveBus;
  journal: AlarmRepository;
  kpis(request: KpiRequest): Promise<AlarmKpis>;
  log: Logger;
}): Floor {
  const { bus } = options;
  let plant = options.plant;
  const state = createFloorState(plant);
  let sync: ReturnType<typeof syncFromOwners> | undefined;
  const owner = (lineId: string) => {
    if (!plant.lines.some((l) => l.id === lineId)) throw new NotFoundError(`no line "${lineId}"`, { field: 'id' });
    return lineOwner(lineId);
  };
  return {
    lines: () => state.lines(),
    values: () => state.values(),
    processes: () => state.processes(),
    alarms: createRemoteAlarms({ bus, state, journal: options.journal, kpis: options.kpis }),
    activeAlarms: () => state.activeAlarms(),
    startSimulation: async (lineId, scenario, actor) =>
      (await bus.command(owner(lineId), { name: 'simulation.start', args: { scenario, actor } })) as ProcessInfo[],
    stopSimulation: async (lineId, actor) => (await bus.command(owner(lineId), { name: 'simulation.stop', args: { actor } }, 15_000)) as ProcessInfo[],
    historyBuffered: () => 0,
    writeTag: async (tag, input, actor) =>
      (await bus.command(
        owner(tag.slice(0, tag.indexOf('.'))),
        { name: 'tag.write', args: { tag, value: input.value, confirm: input.confirm, actor } },
        15_000,
      )) as WriteOutcome,
    async start() {
      bus.subscribe((e) => state.apply(e));
      sync = syncFromOwners({ bus, plant, state, log: options.log });
    },
    started() {},
    async stop() {
      sync?.stop();
    },
    async applyPlant(next) {
      plant = next;
      state.setPlant(next);
      sync?.setPlant(next);
    },
  };
}
