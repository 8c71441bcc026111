import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, PollerWorkerData, ToWorker } from './messages.ts';
import { startPollLoops } from './poll-loops.ts';

/**
 * Entry of the poller worker thread (started by `createPoller` through `startTsWorker`): the
 * plant's poll loops on this thread's event loop. Being a thread entry, importing it starts
 * the pollers; `createPoller({ inThread: true })` polls in-process.
 */
if (!parentPort) throw new Error('poller-worker.ts must run in a worker thread (see createPoller)');
const port = parentPort;
const { plant, endpoints, tuning } = workerData as PollerWorkerData;

const post = (message: FromWorker) => port.postMessage(message);
const loops = startPollLoops({ plant, endpoints, tuning, emit: post });

port.on('message', (message: ToWorker) => {
  if (message.type === 'endpoint') {
    loops.setEndpoint(message.connection, { host: message.host, port: message.port });
  } else if (message.type === 'stop') {
    void loops.stop().then(() => {
      post({ type: 'stopped' });
      port.close();
    });
  }
});

post({ type: 'ready' });
