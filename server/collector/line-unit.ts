import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import type { LineConfig, Plant, Scenario } from '../../lib/plant/schema.ts';
import type { EventName, EventPayloads, LineStatus, ProcessInfo, Sample } from '../../lib/types.ts';
import { createAlarmEngine, type AlarmEngine } from '../alarms/alarm-engine.ts';
import { answeredWhenDurable } from '../alarms/durable-actions.ts';
import type { JournalWriter } from '../alarms/journal-writer.ts';
import type { Actor, DurableAudited } from '../auth/audited.ts';
import { type CommandRequest, lineOwner } from '../bus/live-bus.ts';
import type { AuditEntry } from '../storage/store.ts';
import { createTagWriter } from '../writes/tag-writer.ts';
import type { ActionBy } from '../alarms/evaluate.ts';
import type { PlantChange } from '../plant/plan-change.ts';
import { createLiveState } from '../live/live-state.ts';
import type { Logger } from '../log/logger.ts';
import { createPoller, type Poller } from '../poller/poller.ts';
import { scanPhases } from '../poller/timing.ts';
import type { Simulations } from '../simulation/simulations.ts';
import type { AlarmRepository, WriteFence } from '../storage/store.ts';

export interface LineUnitOptions {
  plant: Plant;
  line: LineConfig;
  /** The fencing token of the lease the line is owned under (lease-keeper.ts): what this unit writes of the line carries it. */
  token: number;
  alarmStore: AlarmRepository;
  /** The collector's journal writer, shared by every line's engine. */
  journal: JournalWriter;
  /** Puts an event on the live bus. */
  publish<N extends EventName>(event: N, data: EventPayloads[N]): void;
  /** Every polled batch, after the unit took it (the collector's historian). */
  onSamples(samples: readonly Sample[]): void;
  audited: DurableAudited;
  simulations: Simulations;
  /**
   * Start the line's simulated PLCs when the plant says so (LINEWATCH_SIMULATE) and no
   * operator chose otherwise: an operator's latest start or stop is followed either way.
   */
  autoStartSimulation: boolean;
  /** Appends an audit row (the collector's audit queue). */
  audit(entry: Omit<AuditEntry, 'ts'>): void;
  /** The collector's processes (simulators), for a snapshot. */
  processes(): ProcessInfo[];
  log: Logger;
}

/** What a web instance needs of a line to answer a new stream: its state, values and alarms not quiet. */
export interface LineSnapshot {
  line: LineStatus | undefined;
  values: Sample[];
  alarms: AlarmView[];
  processes: ProcessInfo[];
}

export interface LineUnit {
  /**
   * Restores the line's alarm states from the store, then starts polling and its simulated PLCs
   * (as an operator chose last, or as the plant says).
   */
  start(): Promise<void>;
  /** Stops polling at once (no read is sent after this call), then the simulators and the alarm engine. */
  stop(): Promise<void>;
  setEndpoint(connection: string, host: string, port: number): void;
  /** Executes a command sent to this line's owner over the live bus. */
  handle(request: CommandRequest): Promise<unknown>;
  /**
   * Goes over to a new plant version (the line still in it): the connections `change` restarts
   * reconnect, the rest keep polling; alarms, values and simulators follow. With `line`
   * undefined (the line left the plant) every alarm of it ends, journaled.
   */
  applyPlant(plant: Plant, change: PlantChange, by: ActionBy): Promise<void>;
}

/**
 * Everything a collector runs for one line it holds the lease on: the poller of its
 * connections, its alarm engine (states restored from the store, so a new owner continues
 * where the last one stopped: acknowledged stays acknowledged, shelving keeps its end), its
 * simulated PLCs, and the commands for it (alarm actions, simulations, snapshots).
 */
export function createLineUnit(options: LineUnitOptions): LineUnit {
  const { publish } = options;
  let line = options.line;
  const plant: Plant = { ...options.plant, lines: [line] };
  const log = options.log.child({ line: line.id });
  const live = createLiveState(plant);
  // Alarm states and simulation choices written under this lease are skipped once a newer owner holds the line.
  const fence: WriteFence = { resource: lineOwner(line.id), token: options.token };
  // Phases over the whole plant: the lines of all collectors read spread through the period.
  let phases = scanPhases(options.plant);
  const alarms: AlarmEngine = createAlarmEngine({
    plant,
    store: options.alarmStore,
    journal: options.journal,
    fence,
    publish: (payload) => publish('alarm', payload),
    audited: options.audited,
    log: log.child({ part: 'alarms' }),
  });
  const poller: Poller = createPoller({
    plant,
    log: log.child({ part: 'poller' }),
    phaseOf: (connection) => phases.get(connection),
    onSamples(batch) {
      const changed = live.apply(batch.line, batch.samples);
      writer.onBatch(batch);
      publish('sample', { line: batch.line, readAt: batch.readAt, samples: batch.samples });
      if (changed) publish('line', changed);
      alarms.onSamples(batch.samples);
      options.onSamples(batch.samples);
    },
  });
  // Answered (or refused) as in role all: once the journal entries and audit rows are committed
  // or spooled, so a database outage does not hold the answer past the bus's command timeout.
  const actions = answeredWhenDurable(alarms.service, { journal: options.journal, audited: options.audited });
  let stopping: Promise<void> | undefined;
  const writer = createTagWriter({
    plant: () => ({ ...options.plant, lines: [line] }),
    value: (tag) => live.value(tag),
    send: (connection, request) => poller.write(connection, request),
    audit: options.audit,
  });

  const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
    snapshot: (): LineSnapshot => ({
      line: live.line(line.id),
      values: live.values(),
      alarms: alarms.active(),
      processes: options.processes().filter((p) => line.connections.some((c) => p.id === simulatorProcessId(c.id))),
    }),
    'alarm.acknowledge': (a) => actions.acknowledge(a.ids as string[], a.comment as string | undefined, actorOf(a)),
    'alarm.shelve': (a) => actions.shelve(a.id as string, a.durationMs as number, a.reason as string, actorOf(a)),
    'alarm.unshelve': (a) => actions.unshelve(a.id as string, a.comment as string | undefined, actorOf(a)),
    'alarm.remove-from-service': (a) => actions.removeFromService(a.id as string, a.reason as string, actorOf(a)),
    'alarm.return-to-service': (a) => actions.returnToService(a.id as string, a.comment as string | undefined, actorOf(a)),
    // Answered once the choice is kept: the line's next owner follows it.
    'simulation.start': (a) => {
      const actor = actorOf(a);
      const scenario = a.scenario as Scenario;
      return options.audited(actor, 'simulation.start', line.id, () => options.simulations.startByOperator(line.id, scenario, actor.username, fence), scenario);
    },
    'tag.write': (a) => writer.write(a.tag as string, { value: a.value as number | boolean, confirm: a.confirm as boolean | undefined }, actorOf(a)),
    'simulation.stop': (a) => {
      const actor = actorOf(a);
      return options.audited(actor, 'simulation.stop', line.id, () => options.simulations.stopByOperator(line.id, actor.username, fence));
    },
  };

  return {
    async start() {
      await alarms.start();
      await poller.start();
      // As the operator chose last (stored by the line's previous owner), else the plant's default.
      await options.simulations.resume(line.id, options.autoStartSimulation);
      log.info('collecting');
    },
    stop() {
      stopping ??= (async () => {
        await poller.stop();
        if (options.simulations.lines().includes(line.id)) await options.simulations.stop(line.id).catch(() => []);
        await alarms.stop();
        // The journal is the collector's: what this line queued is committed before its lease goes
        // (the next owner restores from it), and so is an operator's simulation choice made meanwhile;
        // a database that is down does not hold the hand-over.
        let timer: NodeJS.Timeout | undefined;
        const written = Promise.all([options.journal.written(), options.simulations.kept()]);
        await Promise.race([written, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
        clearTimeout(timer);
        log.info('stopped collecting');
      })();
      return stopping;
    },
    setEndpoint: (connection, host, port) => poller.setEndpoint(connection, host, port),
    async applyPlant(next, change, by) {
      const kept = next.lines.find((l) => l.id === line.id);
      const own: Plant = { ...next, lines: kept ? [kept] : [] };
      for (const status of live.setPlant(own)) publish('line', status);
      alarms.applyPlant(own, by);
      if (!kept) return;
      line = kept;
      phases = scanPhases(next);
      const here = new Set(kept.connections.map((c) => c.id));
      await poller.apply(
        own,
        change.connections.restarted.filter((c) => here.has(c.connection)).map((c) => c.connection),
      );
    },
    async handle({ name, args }) {
      const run = commands[name];
      if (!run) throw new NotFoundError(`no command "${name}" for a line`, { field: 'name' });
      return run((args ?? {}) as Record<string, unknown>);
    },
  };
}

/** The actor a web instance sends with a command (it authenticated the user; the bus is the plant's own network). */
function actorOf(args: Record<string, unknown>): Actor {
  const actor = args.actor as Partial<Actor> | undefined;
  if (typeof actor?.username !== 'string' || typeof actor.ip !== 'string') throw new ValidationError('a command needs its actor', { field: 'actor' });
  return { username: actor.username, ip: actor.ip };
}
