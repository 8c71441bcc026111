import type { Plant } from '../../lib/plant/schema.ts';
import { simulatedConnectionIds } from '../../lib/plant/process-ids.ts';
import type { Sample } from '../../lib/types.ts';
import { ModbusReadError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { ConnectionState, Endpoint, FromLoops, PollRecord, PollTuning, WriteRequest } from './messages.ts';
import { startPollLoops, type PollLoops } from './poll-loops.ts';
import { scanPhases } from './timing.ts';

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
  /**
   * Where in the scan period a connection reads (timing.ts#scanPhases), given a whole plant's
   * connections where this poller has only some lines of it. Default: its place in `plant`.
   */
  phaseOf?: (connection: string) => number | undefined;
  /** Default: silent. */
  log?: Logger;
}

export interface Poller {
  /** Starts every connection's loop; resolves at once (connecting is each loop's own business). */
  start(): Promise<void>;
  /** Stops every loop and closes its socket; a second call is harmless. */
  stop(): Promise<void>;
  /** Points a TCP connection at a new endpoint and reconnects it at once (no backoff). */
  setEndpoint(connectionId: string, host: string, port: number): void;
  /**
   * Polls `plant` from now on: connections in `restart` and those gone stop first, new and
   * restarted ones start; the others keep their socket and scan. Endpoints set for
   * connections that are no longer simulated are forgotten (the plant's host and port apply).
   */
  apply(plant: Plant, restart: readonly string[]): Promise<void>;
  /** Sends an encoded write on a connection's socket, between its reads: when the PLC answered (epoch ms, as `readAt`), or rejects with why it was not done. */
  write(connection: string, request: WriteRequest): Promise<number>;
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The PLC poller: one sequential poll loop per connection (poll-loops.ts) on the caller's
 * event loop — the live process's, which does nothing but poll and stream, so a reply wakes
 * one thread. Relays the loops' messages to the callbacks, logs each new connection problem
 * once. Nothing starts before `start()`.
 */
export function createPoller(options: PollerOptions): Poller {
  const { onSamples, onConnectionState, onPoll } = options;
  let plant = options.plant;
  const log = options.log ?? silentLogger();
  const tuning: PollTuning = { maxGap: options.maxGap, backoff: options.backoff, staleFactor: options.staleFactor };

  const tcpConnections = new Set<string>();
  const allConnections = new Set<string>();
  let ownPhases = scanPhases(plant);
  const phaseOf = (connection: string) => options.phaseOf?.(connection) ?? ownPhases.get(connection) ?? 0;
  function learn(p: Plant): void {
    ownPhases = scanPhases(p);
    tcpConnections.clear();
    allConnections.clear();
    for (const line of p.lines) {
      for (const c of line.connections) {
        allConnections.add(c.id);
        if (c.protocol === 'tcp') tcpConnections.add(c.id);
      }
    }
  }
  learn(plant);
  const endpoints: Record<string, Endpoint> = {};
  for (const [id, e] of Object.entries(options.endpoints ?? {})) {
    if (!tcpConnections.has(id)) throw new ValidationError(`endpoints: "${id}" is not a TCP connection of the plant`, { field: `endpoints.${id}` });
    endpoints[id] = { host: e.host, port: e.port };
  }

  let state: State = 'idle';
  let loops: PollLoops | undefined;
  let stopping: Promise<void> | undefined;
  /** Last logged connection problem, by connection id. */
  const problems = new Map<string, string>();

  /** A user callback that throws must not take the relay (or the process) down with it. */
  function guarded(name: string, fn: () => void) {
    try {
      fn();
    } catch (error) {
      log.error({ err: error, callback: name }, 'poller callback threw');
    }
  }

  function onMessage(message: FromLoops) {
    if (state === 'stopped') return;
    switch (message.type) {
      case 'samples': {
        const { line, connection, readAt, samples, poll } = message;
        if (problems.has(connection) && samples.some((x) => x.quality === 'good')) {
          problems.delete(connection);
          log.info({ connection }, 'connection reads again');
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
          log.warn({ connection, reason: error }, 'connection lost');
        }
        if (onConnectionState) guarded('onConnectionState', () => onConnectionState({ line, connection, state: s, ...(error === undefined ? {} : { error }) }));
        break;
      }
    }
  }

  return {
    start() {
      if (state === 'stopping' || state === 'stopped') return Promise.reject(new Error('poller: start() after stop()'));
      if (state === 'idle') {
        // Shared, not copied: a loop restarted by `apply` starts at the endpoint set last.
        loops = startPollLoops({ plant, endpoints, tuning, emit: onMessage, phaseOf });
        state = 'running';
      }
      return Promise.resolve();
    },
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        await loops?.stop();
        state = 'stopped';
      })();
      return stopping;
    },
    setEndpoint(connectionId, host, port) {
      if (!allConnections.has(connectionId)) throw new NotFoundError(`no connection "${connectionId}"`, { field: 'connection' });
      if (!tcpConnections.has(connectionId)) throw new ValidationError(`connection "${connectionId}" is not TCP`, { field: 'connection' });
      endpoints[connectionId] = { host, port };
      loops?.setEndpoint(connectionId, { host, port });
    },
    write(connection, request) {
      if (state !== 'running') return Promise.reject(new ModbusReadError('stopped'));
      return loops!.write(connection, request);
    },
    async apply(next, restart) {
      plant = next;
      learn(next);
      const simulated = simulatedConnectionIds(next);
      for (const id of Object.keys(endpoints)) if (!simulated.has(id)) delete endpoints[id];
      for (const id of problems.keys()) if (!allConnections.has(id) || restart.includes(id)) problems.delete(id);
      if (state === 'running') await loops!.update(next, new Set(restart));
    },
  };
}
