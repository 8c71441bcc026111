import { isDeepStrictEqual } from 'node:util';
import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import type { Plant, Scenario, TcpConnectionConfig } from '../../lib/plant/schema.ts';
import type { ProcessInfo } from '../../lib/types.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import type { RtuBusSpec } from '../simulator/rtu-bus-spec.ts';
import type { SimulatorSpec } from '../simulator/simulator-spec.ts';
import type { Logger } from '../log/logger.ts';
import type { SimulationChoice, SimulationChoiceRepository, WriteFence } from '../storage/store.ts';
import { createChoiceBook } from './choice-book.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { entryFile } from '../util/entry-points.ts';
import { chosenScenario } from './chosen-scenario.ts';
import { type SimulatedBus, simulatedBusLinks, simulatedBuses } from './simulated-buses.ts';

export interface SimulationsOptions {
  plant: Plant;
  supervisor: Supervisor;
  /** Called when a simulated PLC listens, so the poller can (re)connect to it. */
  onEndpoint: (connectionId: string, host: string, port: number) => void;
  /**
   * Where simulated RTU buses put their pty links (`<dataDir>/serial`); the poller must see
   * the same dir (simulated-buses.ts `withSimulatedBusPaths`).
   */
  serialDir: string;
  /** Grace before SIGKILL on stop, ms. Default 3000. */
  stopGraceMs?: number;
  /**
   * Where operators' starts and stops are kept for whoever owns a line next (the store's).
   * Without it (tests) an owner that takes a line follows the plant's default.
   */
  choices?: SimulationChoiceRepository;
  /** For choices that could not be read or kept. Default: silent. */
  log?: Logger;
}

export interface Simulations {
  /** Starts the simulated PLC(s) and RTU buses of a line; ConflictError when one is already up. */
  start(lineId: string, scenario: Scenario): ProcessInfo[];
  /** Stops them (SIGTERM, then SIGKILL after the grace); resolves when reaped. */
  stop(lineId: string): Promise<ProcessInfo[]>;
  /**
   * An operator's start (`by`: username): as `start`, then the choice is kept for whoever owns
   * the line next; resolves once kept. A choice that cannot be kept is logged, not thrown:
   * the simulators run, and only a later owner would not know. With `fence` (a collector: the
   * lease it owns the line under), a choice that reaches the store after a newer owner took
   * the line is not kept (store.ts `WriteFence`).
   */
  startByOperator(lineId: string, scenario: Scenario, by: string, fence?: WriteFence): Promise<ProcessInfo[]>;
  /** An operator's stop: as `stop`, then the choice is kept (as `startByOperator`). */
  stopByOperator(lineId: string, by: string, fence?: WriteFence): Promise<ProcessInfo[]>;
  /** Resolves once every choice made so far is written (or its failure logged); never rejects. */
  kept(): Promise<void>;
  /**
   * The line's owner took it: starts its simulators as the operator chose last, or without a
   * choice as the plant says (`plantDefault`: LINEWATCH_SIMULATE); see chosen-scenario.ts.
   * Nothing for a line without simulated PLCs or whose simulators run already. Never rejects.
   */
  resume(lineId: string, plantDefault: boolean): Promise<ProcessInfo[]>;
  /**
   * `resume` for every line of the plant (one process group starting); choices kept for
   * lines no longer in the plant are forgotten. Never rejects.
   */
  resumeAll(plantDefault: boolean): Promise<void>;
  /** Reacts to supervisor status changes (wired by the runtime). */
  onProcessChange(info: ProcessInfo): void;
  /** Lines that have at least one simulated connection. */
  lines(): string[];
  /**
   * Goes over to a new plant version: simulators of connections gone stop; those in `restart`
   * (their registers or models changed) start over in their line's scenario if they ran, or if
   * their line's simulation runs (a connection added to it). An RTU bus starts over when what
   * it serves changed (its devices, settings or tags). Resolves once stopped ones are reaped.
   * The choices kept for lines that left the plant are forgotten.
   */
  applyPlant(plant: Plant, restart: readonly string[]): Promise<void>;
}

/** One simulator process: a simulated TCP PLC, or a simulated RTU bus (every unit id on one path). */
type Unit = { kind: 'tcp'; lineId: string; conn: TcpConnectionConfig } | { kind: 'rtu'; lineId: string; bus: SimulatedBus };

/** What a simulator process starts with; a TCP PLC asks for `lastPort` when its connection names none. */
function specOf(unit: Unit, scenario: Scenario, serialDir: string, lastPort: number | undefined): SimulatorSpec | RtuBusSpec {
  if (unit.kind === 'tcp') {
    const { conn } = unit;
    return { lineId: unit.lineId, host: conn.host, port: conn.port || lastPort || 0, unitId: conn.unitId, scenario, tags: conn.tags };
  }
  const { bus } = unit;
  const { baudRate, parity, dataBits, stopBits } = bus.connections[0]!;
  return {
    kind: 'rtu',
    lineId: unit.lineId,
    busPath: bus.path,
    dir: serialDir,
    name: simulatedBusLinks(serialDir, bus.path).name,
    settings: { baudRate, parity, dataBits, stopBits },
    scenario,
    devices: bus.connections.map((c) => ({ unitId: c.unitId, tags: c.tags })),
  };
}

function nameOf(unit: Unit, scenario: Scenario): string {
  if (unit.kind === 'tcp') return `Simulated PLC ${unit.conn.id} (${scenario})`;
  const ids = unit.bus.connections.map((c) => `${c.id} (unit ${c.unitId})`).join(', ');
  return `Simulated RTU bus ${unit.bus.path}: ${ids} (${scenario})`;
}

/**
 * Runs one simulated PLC (a child process with a real Modbus TCP server) per simulated TCP
 * connection of a line, and one simulated RTU bus (a child with socat's pty pair and the
 * devices of every unit id on it) per simulated serial `path`. A restarted TCP simulator asks
 * for the port it had before, so the poller's connection survives a stop/start; if that port is
 * gone it takes a new one. A bus comes back at the same links, where the poller looks.
 */
export function createSimulations(options: SimulationsOptions): Simulations {
  const { supervisor } = options;
  let plant = options.plant;
  /** By process id. */
  const units = new Map<string, Unit>();
  function learn(p: Plant): void {
    units.clear();
    for (const line of p.lines) {
      for (const c of line.connections) if (c.protocol === 'tcp' && c.simulated) units.set(simulatorProcessId(c.id), { kind: 'tcp', lineId: line.id, conn: c });
    }
    for (const bus of simulatedBuses(p)) units.set(bus.processId, { kind: 'rtu', lineId: bus.lineId, bus });
  }
  learn(plant);
  /** The scenario each line's simulation was started in last. */
  const scenarios = new Map<string, Scenario>();
  const grace = options.stopGraceMs ?? 3000;
  const isUp = (id: string) => ['starting', 'running'].includes(supervisor.get(id)?.info().status ?? 'stopped');
  const lastPort = new Map<string, number>();
  const pending = new Map<string, SimulatorSpec | RtuBusSpec>();
  const { log } = options;
  const book = createChoiceBook(options.choices, log);

  function simulated(lineId: string): [string, Unit][] {
    if (!plant.lines.some((l) => l.id === lineId)) throw new NotFoundError(`no line "${lineId}"`, { field: 'id' });
    const list = [...units].filter(([, u]) => u.lineId === lineId);
    if (list.length === 0) throw new NotFoundError(`line "${lineId}" has no simulated PLC`, { field: 'id' });
    return list;
  }

  function launch(id: string, unit: Unit, scenario: Scenario): ProcessInfo {
    const spec = specOf(unit, scenario, options.serialDir, lastPort.get(id));
    pending.set(id, spec);
    return supervisor
      .start({
        id,
        name: nameOf(unit, scenario),
        module: entryFile('simulator-main'),
        initialMessage: { type: 'start', spec },
        waitForReady: true,
        readyTimeoutMs: 30_000,
      })
      .info();
  }

  /** Launches a TCP simulator again on a fresh port (the one it had is taken). */
  function relaunchOnFreePort(id: string, spec: SimulatorSpec, name: string): void {
    pending.set(id, { ...spec, port: 0 });
    supervisor.start({
      id,
      name,
      module: entryFile('simulator-main'),
      initialMessage: { type: 'start', spec: { ...spec, port: 0 } },
      waitForReady: true,
      readyTimeoutMs: 30_000,
    });
  }

  /** Starts a line's simulators as `choice` says (or the plant's default), unless up already. */
  function startAsChosen(lineId: string, choice: SimulationChoice | undefined, plantDefault: boolean): ProcessInfo[] {
    const line = plant.lines.find((l) => l.id === lineId);
    const list = [...units].filter(([, u]) => u.lineId === lineId);
    const scenario = line && chosenScenario(line, choice, plantDefault);
    if (!scenario || list.length === 0 || list.some(([id]) => isUp(id))) return [];
    try {
      return simulations.start(lineId, scenario);
    } catch (error) {
      log?.error({ err: error, line: lineId }, 'could not start the simulated PLCs of a line');
      return [];
    }
  }

  const simulations: Simulations = {
    start(lineId, scenario) {
      const list = simulated(lineId);
      for (const [id] of list) {
        const status = supervisor.get(id)?.info().status;
        if (status === 'starting' || status === 'running' || status === 'stopping') {
          throw new ConflictError(`simulation of line "${lineId}" is ${status}`, { field: 'id' });
        }
      }
      scenarios.set(lineId, scenario);
      return list.map(([id, unit]) => launch(id, unit, scenario));
    },
    async startByOperator(lineId, scenario, by, fence) {
      const started = simulations.start(lineId, scenario);
      await book.record(`the start of ${lineId}'s simulation`, { line: lineId, running: true, scenario, by, at: Date.now() }, fence);
      return started;
    },
    async stopByOperator(lineId, by, fence) {
      const stopped = await simulations.stop(lineId);
      const scenario = scenarios.get(lineId) ?? plant.lines.find((l) => l.id === lineId)?.simulation?.scenario ?? 'normal';
      await book.record(`the stop of ${lineId}'s simulation`, { line: lineId, running: false, scenario, by, at: Date.now() }, fence);
      return stopped;
    },
    kept: () => book.kept(),
    async resume(lineId, plantDefault) {
      if (!simulations.lines().includes(lineId)) return [];
      const [choice] = await book.chosen(lineId);
      return startAsChosen(lineId, choice, plantDefault);
    },
    async resumeAll(plantDefault) {
      const kept = new Map((await book.chosen()).map((c) => [c.line, c]));
      book.forget([...kept.keys()].filter((lineId) => !plant.lines.some((l) => l.id === lineId)));
      for (const lineId of simulations.lines()) startAsChosen(lineId, kept.get(lineId), plantDefault);
    },
    async stop(lineId) {
      const list = simulated(lineId);
      return Promise.all(
        list.map(async ([id]) => {
          const handle = supervisor.get(id);
          const status = handle?.info().status;
          if (!handle || status === 'stopped' || status === 'crashed') {
            throw new ConflictError(`simulation of line "${lineId}" is not running`, { field: 'id' });
          }
          return handle.stop(grace);
        }),
      );
    },
    onProcessChange(info) {
      const unit = units.get(info.id);
      if (!unit) return;
      const spec = pending.get(info.id);
      if (unit.kind === 'tcp' && info.status === 'running' && typeof info.info.port === 'number') {
        lastPort.set(info.id, info.info.port);
        pending.delete(info.id);
        options.onEndpoint(unit.conn.id, unit.conn.host, info.info.port);
      } else if (unit.kind === 'tcp' && info.status === 'crashed' && spec && !('kind' in spec) && spec.port !== 0 && !unit.conn.port) {
        // The port it had before is taken: start over on a fresh one.
        lastPort.delete(info.id);
        queueMicrotask(() => relaunchOnFreePort(info.id, spec, info.name));
      } else if (info.status === 'running' || info.status === 'crashed' || info.status === 'stopped') {
        // A bus needs nothing more: the poller opens its link as it would a serial port.
        pending.delete(info.id);
      }
    },
    lines: () => [...new Set([...units.values()].map((u) => u.lineId))],
    async applyPlant(next, restart) {
      const before = new Map(units);
      book.forget(plant.lines.filter((l) => !next.lines.some((n) => n.id === l.id)).map((l) => l.id));
      plant = next;
      learn(next);
      const lineRuns = (lineId: string) => [...before].some(([id, u]) => u.lineId === lineId && isUp(id));
      const restarting = new Set(restart.map(simulatorProcessId));
      const toStart: string[] = [];
      for (const [id, unit] of units) {
        const was = before.get(id);
        const changed =
          unit.kind === 'tcp'
            ? restarting.has(id)
            : !was ||
              !isDeepStrictEqual(specOf(was, 'normal', options.serialDir, undefined), specOf(unit, 'normal', options.serialDir, undefined)) ||
              unit.lineId !== was.lineId;
        if (!changed) continue;
        if (isUp(id) || lineRuns(unit.lineId)) toStart.push(id);
      }
      // First every process that goes or starts over is reaped: a bus that moves to another
      // process id (its first connection renamed) must free its pty links before it comes back.
      await Promise.all([...before.keys()].filter((id) => isUp(id) && (!units.has(id) || toStart.includes(id))).map((id) => supervisor.get(id)!.stop(grace)));
      for (const id of toStart) {
        const unit = units.get(id)!;
        launch(id, unit, scenarios.get(unit.lineId) ?? 'normal');
      }
    },
  };
  return simulations;
}
