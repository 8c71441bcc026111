import type { ConnectionConfig, Plant } from '../../lib/plant/schema.ts';
import { createConnectionPoller } from './connection-poller.ts';
import { NotFoundError } from '../../lib/errors.ts';
import type { Endpoint, FromLoops, PollTuning, WriteRequest } from './messages.ts';
import { createRtuBuses } from './rtu-buses.ts';

export interface PollLoops {
  /** Points a TCP connection at a new endpoint and reconnects it at once. */
  setEndpoint(connection: string, endpoint: Endpoint): void;
  /**
   * Goes over to `plant`: loops of connections no longer in it and of those in `restart` stop
   * (sockets closed) before their new loops start; every other loop keeps its socket and scan.
   */
  update(plant: Plant, restart: ReadonlySet<string>): Promise<void>;
  /** Sends a write on a connection's socket, between its reads (see ConnectionPoller.write). */
  write(connection: string, request: WriteRequest): Promise<number>;
  /** Stops every loop; resolves once their sockets are closed. */
  stop(): Promise<void>;
}

interface Loop {
  setEndpoint(endpoint: Endpoint): void;
  write(request: WriteRequest): Promise<number>;
  abort: AbortController;
  running: Promise<void>;
}

/**
 * One connection poller per PLC connection of the plant, all on the calling thread's event
 * loop, each `emit`ting its messages. TCP connections have a socket each; RTU connections on
 * one serial port (or gateway address) share its bus. Where they run is the
 * caller's choice: the poller worker thread, or a thread that does nothing else.
 */
export function startPollLoops(o: {
  plant: Plant;
  endpoints: Record<string, Endpoint>;
  tuning: PollTuning;
  emit: (message: FromLoops) => void;
  /** Where in the scan period each connection reads (timing.ts#scanPhases); a loop keeps the phase it started with. */
  phaseOf: (connection: string) => number;
}): PollLoops {
  const loops = new Map<string, Loop>();
  const buses = createRtuBuses();

  function startLoop(lineId: string, connection: ConnectionConfig): void {
    const phase = o.phaseOf(connection.id);
    const known = o.endpoints[connection.id];
    const endpoint = known ?? (connection.protocol === 'tcp' && connection.port !== 0 ? { host: connection.host, port: connection.port } : null);
    const abort = new AbortController();
    const poller = createConnectionPoller({ ...o.tuning, lineId, connection, endpoint, buses, signal: abort.signal, emit: o.emit, phase });
    loops.set(connection.id, { setEndpoint: poller.setEndpoint, write: poller.write, abort, running: poller.run() });
  }

  async function stopLoops(ids: Iterable<string>): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const id of ids) {
      const loop = loops.get(id);
      if (!loop) continue;
      loops.delete(id);
      loop.abort.abort(new Error('poller stopped'));
      stopping.push(loop.running);
    }
    await Promise.all(stopping);
  }

  const connectionsOf = (plant: Plant) => plant.lines.flatMap((line) => line.connections.map((connection) => ({ line, connection })));
  for (const { line, connection } of connectionsOf(o.plant)) startLoop(line.id, connection);

  return {
    setEndpoint: (connection, endpoint) => loops.get(connection)?.setEndpoint(endpoint),
    write(connection, request) {
      const loop = loops.get(connection);
      return loop ? loop.write(request) : Promise.reject(new NotFoundError(`no connection "${connection}"`, { field: 'connection' }));
    },
    async update(plant, restart) {
      const next = connectionsOf(plant);
      const kept = new Set(next.map((n) => n.connection.id));
      await stopLoops([...loops.keys()].filter((id) => !kept.has(id) || restart.has(id)));
      for (const { line, connection } of next) if (!loops.has(connection.id)) startLoop(line.id, connection);
    },
    async stop() {
      await stopLoops([...loops.keys()]);
      await buses.close();
    },
  };
}
