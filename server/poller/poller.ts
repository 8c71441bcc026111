import type { Worker } from 'node:worker_threads';
import type { Plant } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { startTsWorker } from '../util/ts-worker.ts';
import type { ConnectionState, Endpoint, FromWorker, PollerWorkerData, PollRecord, PollTuning, ToWorker } from './messages.ts';
import { startPollLoops, type PollLoops } from './poll-loops.ts';

const workerEntry = new URL('./poller-worker.ts', import.meta.url);

export interface SampleBatch {
  line: string;
  connection: string;
  /** Fractional epoch ms when the reply arrived in the worker. */
  readAt: number;
  samples: Sample[];
}

export interface ConnectionStateChange {
  line: string;
  connection: string;
  state: ConnectionState;
  error?: string;
}

export interface PollerOptions extends PollTuning {
  plant: Plant;
  /**
   * Endpoints known before start, by connection id; they override the plant file's host/port.
   * A TCP connection with port 0 (a simulated PLC not up yet) and no endpoint here idles,
   * its tags `bad` with reason `no endpoint`, until `setEndpoint`.
   */
  endpoints?: Record<string, Endpoint>;
  /** One call per block read (good samples, every scan) and per quality change. Keep it cheap. */
  onSamples(batch: SampleBatch): void;
  /** Connection state changes: `connecting`, `connected`, `disconnected` (with `error`). */
  onConnectionState?(change: ConnectionStateChange): void;
  /** Duration and outcome of every read request and failed connection attempt, for metrics. */
  onPoll?(connection: string, poll: PollRecord): void;
  log?: (message: string) => void;
  /** How long `stop()` waits for the worker to close its sockets before terminating it, ms. Default 2000. */
  stopTimeoutMs?: number;
  /** How long `start()` waits for the worker to come up, ms. Default 15 000 (tsx compiles on first start). */
  startTimeoutMs?: number;
  /**
   * Poll on the calling thread's event loop instead of a worker thread: for a thread that
   * does nothing else (the live process's), where a reply then wakes one thread, not two.
   */
  inThread?: boolean;
}

export interface Poller {
  /** Starts the worker; resolves when it polls, rejects with its error when it cannot start. */
  start(): Promise<void>;
  /** Stops every loop, closes sockets, terminates the worker; bounded in time; a second call is harmless. */
  stop(): Promise<void>;
  /** Points a TCP connection at a new endpoint and reconnects it at once (no backoff). */
  setEndpoint(connectionId: string, host: string, port: number): void;
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Least time between two worker starts, so a worker that crashes at once can't spin. */
const RESTART_INTERVAL_MS = 1000;

/**
 * The PLC poller: runs every connection's poll loop in one worker thread, so a slow PLC, a
 * hanging connect or a burst of decoding never blocks the main event loop; the main thread
 * only relays the worker's messages to the callbacks. A worker that dies unexpectedly is
 * restarted (at most once a second). With `inThread`, the same loops run on the caller's event
 * loop instead. Nothing starts before `start()`.
 */
export function createPoller(options: PollerOptions): Poller {
  const { plant, onSamples, onConnectionState, onPoll } = options;
  const log = options.log ?? (() => {});
  const stopTimeoutMs = options.stopTimeoutMs ?? 2000;
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const tuning: PollTuning = { maxGap: options.maxGap, backoff: options.backoff, staleFactor: options.staleFactor };

  const tcpConnections = new Set<string>();
  const allConnections = new Set<string>();
  for (const line of plant.lines) {
    for (const c of line.connections) {
      allConnections.add(c.id);
      if (c.protocol === 'tcp') tcpConnections.add(c.id);
    }
  }
  const endpoints: Record<string, Endpoint> = {};
  for (const [id, e] of Object.entries(options.endpoints ?? {})) {
    if (!tcpConnections.has(id)) throw new ValidationError(`endpoints: "${id}" is not a TCP connection of the plant`, { field: `endpoints.${id}` });
    endpoints[id] = { host: e.host, port: e.port };
  }

  let state: State = 'idle';
  let worker: Worker | undefined;
  let loops: PollLoops | undefined;
  let startedAt = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  /** Last logged connection problem, by connection id. */
  const problems = new Map<string, string>();

  /** A user callback that throws must not take the relay (or the process) down with it. */
  function guarded(name: string, fn: () => void) {
    try {
      fn();
    } catch (error) {
      log(`poller: ${name} callback threw: ${(error as Error)?.stack ?? String(error)}`);
    }
  }

  function onMessage(message: FromWorker) {
    if (state === 'stopped') return;
    switch (message.type) {
      case 'samples': {
        const { line, connection, readAt, samples, poll } = message;
        if (problems.has(connection) && samples.some((x) => x.quality === 'good')) {
          problems.delete(connection);
          log(`poller: ${connection} reads again`);
        }
        if (poll && onPoll) guarded('onPoll', () => onPoll(connection, poll));
        guarded('onSamples', () => onSamples({ line, connection, readAt, samples }));
        break;
      }
      case 'poll':
        if (onPoll) guarded('onPoll', () => onPoll(message.connection, message));
        break;
      case 'connection': {
        const { line, connection, state: s, error } = message;
        // One line per new problem (and one on recovery, see 'samples'), not one per reconnect attempt.
        if (s === 'disconnected' && error !== undefined && error !== 'stopped' && problems.get(connection) !== error) {
          problems.set(connection, error);
          log(`poller: ${connection} disconnected: ${error}`);
        }
        if (onConnectionState) guarded('onConnectionState', () => onConnectionState({ line, connection, state: s, ...(error === undefined ? {} : { error }) }));
        break;
      }
    }
  }

  /** Starts the loops: in a worker (resolves once it reported `ready`), or with `inThread` on this thread. */
  function spawn(): Promise<void> {
    startedAt = performance.now();
    if (options.inThread) {
      loops = startPollLoops({ plant, endpoints: { ...endpoints }, tuning, emit: onMessage });
      return Promise.resolve();
    }
    const data: PollerWorkerData = { plant, endpoints: { ...endpoints }, tuning };
    const w = startTsWorker(workerEntry, { workerData: data, name: 'linewatch-poller' });
    worker = w;
    // The HTTP server keeps the process alive; a forgotten poller must not.
    w.unref();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        void w.terminate();
        reject(new Error(`poller worker did not start within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      w.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          ready = true;
          clearTimeout(timer);
          resolve();
        } else {
          onMessage(message);
        }
      });
      w.on('error', (error) => {
        log(`poller: worker error: ${error.stack ?? error.message}`);
        if (!ready) {
          clearTimeout(timer);
          reject(new Error('poller worker failed to start', { cause: error }));
        }
      });
      w.on('exit', (code) => {
        if (worker === w) worker = undefined;
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`poller worker exited with code ${code} before it was ready`));
          return;
        }
        if (state === 'running') {
          log(`poller: worker exited unexpectedly (code ${code}); restarting`);
          scheduleRestart();
        }
      });
    });
  }

  function scheduleRestart() {
    const wait = Math.max(0, startedAt + RESTART_INTERVAL_MS - performance.now());
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (state !== 'running') return;
      spawn().catch((error: unknown) => {
        log(`poller: restart failed: ${(error as Error).message}`);
        if (state === 'running' && !worker) scheduleRestart();
      });
    }, wait);
  }

  function send(message: ToWorker & { type: 'endpoint' }) {
    worker?.postMessage(message);
    loops?.setEndpoint(message.connection, { host: message.host, port: message.port });
  }

  async function shutdown(): Promise<void> {
    clearTimeout(restartTimer);
    await starting?.catch(() => {});
    await loops?.stop();
    const w = worker;
    if (w) {
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, stopTimeoutMs);
        const finish = () => (clearTimeout(timer), resolve());
        w.on('message', (m: FromWorker) => m.type === 'stopped' && finish());
        w.once('exit', finish);
      });
      w.postMessage({ type: 'stop' } satisfies ToWorker);
      await done;
      // terminate() settles once the thread is gone; bound it all the same.
      await Promise.race([w.terminate().catch(() => {}), new Promise((r) => setTimeout(r, stopTimeoutMs).unref())]);
    }
    worker = undefined;
    state = 'stopped';
  }

  return {
    start() {
      if (state === 'stopping' || state === 'stopped') return Promise.reject(new Error('poller: start() after stop()'));
      if (starting) return starting;
      state = 'starting';
      starting = spawn().then(
        () => {
          if (state === 'starting') state = 'running';
        },
        (error: unknown) => {
          log(`poller: ${(error as Error).message}`);
          // Back to idle so a later start() may try again.
          if (state === 'starting') state = 'idle';
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },
    stop() {
      if (stopping) return stopping;
      state = 'stopping';
      stopping = shutdown();
      return stopping;
    },
    setEndpoint(connectionId, host, port) {
      if (!allConnections.has(connectionId)) throw new NotFoundError(`no connection "${connectionId}"`, { field: 'connection' });
      if (!tcpConnections.has(connectionId)) throw new ValidationError(`connection "${connectionId}" is not TCP`, { field: 'connection' });
      endpoints[connectionId] = { host, port };
      send({ type: 'endpoint', connection: connectionId, host, port });
    },
  };
}
