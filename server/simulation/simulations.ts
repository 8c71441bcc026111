import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import type { Plant, Scenario, TcpConnectionConfig } from '../../lib/plant/schema.ts';
import type { ProcessInfo } from '../../lib/types.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import type { SimulatorSpec } from '../simulator/simulator-spec.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { entryFile } from '../util/entry-points.ts';

export interface SimulationsOptions {
  plant: Plant;
  supervisor: Supervisor;
  /** Called when a simulated PLC listens, so the poller can (re)connect to it. */
  onEndpoint: (connectionId: string, host: string, port: number) => void;
  /** Grace before SIGKILL on stop, ms. Default 3000. */
  stopGraceMs?: number;
}

export interface Simulations {
  /** Starts the simulated PLC(s) of a line; ConflictError when one is already up. */
  start(lineId: string, scenario: Scenario): ProcessInfo[];
  /** Stops them (SIGTERM, then SIGKILL after the grace); resolves when reaped. */
  stop(lineId: string): Promise<ProcessInfo[]>;
  /** Reacts to supervisor status changes (wired by the runtime). */
  onProcessChange(info: ProcessInfo): void;
  /** Lines that have at least one simulated connection. */
  lines(): string[];
  /**
   * Goes over to a new plant version: simulators of connections gone stop; those in `restart`
   * (their registers or models changed) start over in their line's scenario if they ran, or if
   * their line's simulation runs (a connection added to it). Resolves once stopped ones are reaped.
   */
  applyPlant(plant: Plant, restart: readonly string[]): Promise<void>;
}

/**
 * Runs one simulated PLC (a child process with a real Modbus TCP server) per simulated
 * connection of a line. A restarted simulator asks for the port it had before, so the
 * poller's connection survives a stop/start; if that port is gone it takes a new one.
 */
export function createSimulations(options: SimulationsOptions): Simulations {
  const { supervisor } = options;
  let plant = options.plant;
  const connections = new Map<string, { lineId: string; conn: TcpConnectionConfig }>();
  function learn(p: Plant): void {
    connections.clear();
    for (const line of p.lines) {
      for (const c of line.connections) if (c.protocol === 'tcp' && c.simulated) connections.set(simulatorProcessId(c.id), { lineId: line.id, conn: c });
    }
  }
  learn(plant);
  /** The scenario each line's simulation was started in last. */
  const scenarios = new Map<string, Scenario>();
  const grace = options.stopGraceMs ?? 3000;
  const isUp = (id: string) => ['starting', 'running'].includes(supervisor.get(id)?.info().status ?? 'stopped');
  const lastPort = new Map<string, number>();
  const pending = new Map<string, SimulatorSpec>();

  function simulated(lineId: string): { lineId: string; conn: TcpConnectionConfig }[] {
    if (!plant.lines.some((l) => l.id === lineId)) throw new NotFoundError(`no line "${lineId}"`, { field: 'id' });
    const list = [...connections.values()].filter((c) => c.lineId === lineId);
    if (list.length === 0) throw new NotFoundError(`line "${lineId}" has no simulated PLC`, { field: 'id' });
    return list;
  }

  function specOf(lineId: string, conn: TcpConnectionConfig, scenario: Scenario): SimulatorSpec {
    const id = simulatorProcessId(conn.id);
    return { lineId, host: conn.host, port: conn.port || lastPort.get(id) || 0, unitId: conn.unitId, scenario, tags: conn.tags };
  }

  function launch(id: string, spec: SimulatorSpec, name: string): ProcessInfo {
    pending.set(id, spec);
    return supervisor
      .start({ id, name, module: entryFile('simulator-main'), initialMessage: { type: 'start', spec }, waitForReady: true, readyTimeoutMs: 30_000 })
      .info();
  }

  return {
    start(lineId, scenario) {
      const list = simulated(lineId);
      for (const { conn } of list) {
        const status = supervisor.get(simulatorProcessId(conn.id))?.info().status;
        if (status === 'starting' || status === 'running' || status === 'stopping') {
          throw new ConflictError(`simulation of line "${lineId}" is ${status}`, { field: 'id' });
        }
      }
      scenarios.set(lineId, scenario);
      return list.map(({ conn }) => launch(simulatorProcessId(conn.id), specOf(lineId, conn, scenario), `Simulated PLC ${conn.id} (${scenario})`));
    },
    async stop(lineId) {
      const list = simulated(lineId);
      return Promise.all(
        list.map(async ({ conn }) => {
          const handle = supervisor.get(simulatorProcessId(conn.id));
          const status = handle?.info().status;
          if (!handle || status === 'stopped' || status === 'crashed') {
            throw new ConflictError(`simulation of line "${lineId}" is not running`, { field: 'id' });
          }
          return handle.stop(grace);
        }),
      );
    },
    onProcessChange(info) {
      const sim = connections.get(info.id);
      if (!sim) return;
      const spec = pending.get(info.id);
      if (info.status === 'running' && typeof info.info.port === 'number') {
        lastPort.set(info.id, info.info.port);
        pending.delete(info.id);
        options.onEndpoint(sim.conn.id, sim.conn.host, info.info.port);
      } else if (info.status === 'crashed' && spec && spec.port !== 0 && !sim.conn.port) {
        // The port it had before is taken: start over on a fresh one.
        lastPort.delete(info.id);
        queueMicrotask(() => launch(info.id, { ...spec, port: 0 }, info.name));
      } else if (info.status === 'crashed' || info.status === 'stopped') {
        pending.delete(info.id);
      }
    },
    lines: () => [...new Set([...connections.values()].map((c) => c.lineId))],
    async applyPlant(next, restart) {
      const before = new Map(connections);
      plant = next;
      learn(next);
      const lineRuns = (lineId: string) => [...before.entries()].some(([id, c]) => c.lineId === lineId && isUp(id));
      const work: Promise<unknown>[] = [];
      for (const id of before.keys()) if (!connections.has(id) && isUp(id)) work.push(supervisor.get(id)!.stop(grace));
      for (const connectionId of restart) {
        const id = simulatorProcessId(connectionId);
        const sim = connections.get(id);
        if (!sim) continue;
        const scenario = scenarios.get(sim.lineId) ?? 'normal';
        if (!isUp(id) && !lineRuns(sim.lineId)) continue;
        work.push(
          (async () => {
            if (isUp(id)) await supervisor.get(id)!.stop(grace);
            launch(id, specOf(sim.lineId, sim.conn, scenario), `Simulated PLC ${sim.conn.id} (${scenario})`);
          })(),
        );
      }
      await Promise.all(work);
    },
  };
}
