import { parentPort, workerData } from 'node:worker_threads';
import { createConnectionPoller, type ConnectionPoller } from './connection-poller.ts';
import type { FromWorker, PollerWorkerData, ToWorker } from './messages.ts';

/**
 * Entry of the poller worker thread (started by `createPoller` through `startTsWorker`): one
 * connection poller per PLC connection, all sharing this thread's event loop and none
 * sharing a socket. Being a thread entry, importing it starts the pollers; import
 * `connection-poller.ts` to poll in-process.
 */
if (!parentPort) throw new Error('poller-worker.ts must run in a worker thread (see createPoller)');
const port = parentPort;
const { plant, endpoints, tuning } = workerData as PollerWorkerData;

const post = (message: FromWorker) => port.postMessage(message);
const stop = new AbortController();
const pollers = new Map<string, ConnectionPoller>();
const connections = plant.lines.flatMap((line) => line.connections.map((connection) => ({ line, connection })));
for (const [i, { line, connection }] of connections.entries()) {
  const known = endpoints[connection.id];
  const endpoint = known ?? (connection.protocol === 'tcp' && connection.port !== 0 ? { host: connection.host, port: connection.port } : null);
  // Evenly spread through the scan period (see scanSlot).
  const phase = i / connections.length;
  pollers.set(connection.id, createConnectionPoller({ ...tuning, lineId: line.id, connection, endpoint, signal: stop.signal, emit: post, phase }));
}

const running = Promise.all([...pollers.values()].map((p) => p.run()));

port.on('message', (message: ToWorker) => {
  if (message.type === 'endpoint') {
    pollers.get(message.connection)?.setEndpoint({ host: message.host, port: message.port });
  } else if (message.type === 'stop') {
    stop.abort(new Error('poller stopped'));
    void running.then(() => {
      post({ type: 'stopped' });
      port.close();
    });
  }
});

post({ type: 'ready' });
