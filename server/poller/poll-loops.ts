import type { Plant } from '../../lib/plant/schema.ts';
import { createConnectionPoller, type ConnectionPoller } from './connection-poller.ts';
import type { Endpoint, FromLoops, PollTuning } from './messages.ts';

export interface PollLoops {
  /** Points a TCP connection at a new endpoint and reconnects it at once. */
  setEndpoint(connection: string, endpoint: Endpoint): void;
  /** Stops every loop; resolves once their sockets are closed. */
  stop(): Promise<void>;
}

/**
 * One connection poller per PLC connection of the plant, all on the calling thread's event
 * loop and none sharing a socket, each `emit`ting its messages. Where they run is the
 * caller's choice: the poller worker thread, or a thread that does nothing else.
 */
export function startPollLoops(o: { plant: Plant; endpoints: Record<string, Endpoint>; tuning: PollTuning; emit: (message: FromLoops) => void }): PollLoops {
  const stop = new AbortController();
  const pollers = new Map<string, ConnectionPoller>();
  const connections = o.plant.lines.flatMap((line) => line.connections.map((connection) => ({ line, connection })));
  for (const [i, { line, connection }] of connections.entries()) {
    const known = o.endpoints[connection.id];
    const endpoint = known ?? (connection.protocol === 'tcp' && connection.port !== 0 ? { host: connection.host, port: connection.port } : null);
    // Evenly spread through the scan period (see scanSlot).
    const phase = i / connections.length;
    pollers.set(connection.id, createConnectionPoller({ ...o.tuning, lineId: line.id, connection, endpoint, signal: stop.signal, emit: o.emit, phase }));
  }
  const running = Promise.all([...pollers.values()].map((p) => p.run()));
  return {
    setEndpoint: (connection, endpoint) => pollers.get(connection)?.setEndpoint(endpoint),
    async stop() {
      stop.abort(new Error('poller stopped'));
      await running;
    },
  };
}
