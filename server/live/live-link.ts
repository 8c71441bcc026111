import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Plant } from '../../lib/plant/schema.ts';
import { simulatedConnectionIds } from '../../lib/plant/process-ids.ts';
import type { EventName, EventPayloads } from '../../lib/types.ts';
import type { Endpoint, WriteRequest } from '../poller/messages.ts';
import { ModbusReadError } from '../../lib/errors.ts';
import type { PollerOptions } from '../poller/poller.ts';
import type { StreamQuery } from '../stream/stream-query.ts';
import type { StreamCloseReason } from '../stream/stream-session.ts';
import { sendError } from '../http/send-error.ts';
import { entryFile, execArgvFor } from '../util/entry-points.ts';
import type { FromLive, RequestHead, ServerState, ToLive } from './live-messages.ts';
import { relayLog, type LogLevel, type Logger } from '../log/logger.ts';
import { createOpenRate, defaultStreamCaps, streamRefusal, type StreamCaps, type StreamOwner } from './stream-caps.ts';
import { defaultLivePriority, realtimeNodeFlags } from '../util/thread-priority.ts';

const liveModule = entryFile('live-process');

/** Least time between two starts of the live process, so one that dies at once can't spin. */
const RESTART_INTERVAL_MS = 1000;

/** A stream the live process has open. */
export interface OpenStreamInfo {
  transport: 'sse' | 'ws';
  owner: StreamOwner;
}

/** The poller's callbacks, called with what the live process's poller read. */
export interface LiveLinkOptions extends Pick<PollerOptions, 'plant' | 'onSamples' | 'onPoll'> {
  /** The processes and alarms a (re)started live process's snapshots begin from. */
  state(): ServerState;
  onStreamOpened?(stream: OpenStreamInfo): void;
  /** Also for each stream of a live process that died. */
  onStreamClosed?(stream: OpenStreamInfo, reason: StreamCloseReason): void;
  onCoalesced?(samples: number): void;
  /** How long sample batches took from poll reply to every stream's socket, seconds (about once a second). */
  onFanout?(seconds: number[]): void;
  /** The process's logger: the live process's own records come through it with their `part` (`live`, `poller`). */
  log: Logger;
  heartbeatMs?: number;
  retryMs?: number;
  /**
   * SCHED_RR priority of the live process's event loop where permitted (thread-priority.ts), 0
   * for an ordinary one. Default: `defaultLivePriority` where it polls, 0 where it only streams
   * the Redis bus (role web: real-time scheduling is for the poll loop unless chosen).
   */
  realtimePriority?: number;
  /** Role web: the live process streams the Redis live bus (see ToLive `start`) instead of polling. */
  redisBus?: { url: string; keyPrefix?: string };
  /** How long `start()` waits for the live process to poll, ms. Default 20 000 (from source, tsx compiles on first start). */
  startTimeoutMs?: number;
  /** Open streams per sign-in, user and address; defaults in stream-caps.ts. */
  streamCaps?: Partial<StreamCaps>;
}

export interface LiveLink {
  /** Forks the live process; resolves when it polls. */
  start(): Promise<void>;
  /** Ends its streams and its polling; bounded in time; a second call is harmless. */
  stop(): Promise<void>;
  /** Points a TCP connection at a new endpoint (a simulator that started) and reconnects it at once. */
  setEndpoint(connection: string, host: string, port: number): void;
  /**
   * Polls a new plant version (`restart`: connections whose loops start over), then sends the
   * streams a `plant` event with `version`. A live process started later polls it from the start.
   */
  applyPlant(plant: Plant, restart: readonly string[], version: number): void;
  /** Sends an encoded write to a PLC on its connection (between two reads); rejects with a ModbusReadError naming why it was not done. */
  write(connection: string, request: WriteRequest): Promise<number>;
  /** Streams one of the server's events (the live process keeps its snapshots' processes and alarms from them). */
  publish<N extends Exclude<EventName, 'sample' | 'line'>>(event: N, data: EventPayloads[N]): void;
  /** Why a new stream of `owner` is refused (too many open, or opened lately), or null: then it counts as opened. */
  refusal(owner: StreamOwner): string | null;
  /** Hands an authorised `GET /api/stream` to the live process, which answers it; `res` is done with here. */
  handOverSse(req: IncomingMessage, res: ServerResponse, query: StreamQuery, owner: StreamOwner): void;
  /** Hands an authorised WebSocket upgrade to the live process. */
  handOverWs(req: IncomingMessage, socket: Socket, head: Buffer, query: StreamQuery, owner: StreamOwner): void;
  /** Ends the streams opened in a login session. */
  endSession(loginSession: string): void;
  /** The streams open now. */
  streams(): Iterable<OpenStreamInfo>;
}

const requestHead = (req: IncomingMessage): RequestHead => ({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });

/**
 * The server's side of the live process (live-process.ts): forks it, relays its samples and
 * stream counts, sends it the server's events and the stream sockets. A live process that
 * dies is restarted (at most once a second), with the endpoints set so far; its streams
 * drop and their clients resume with a fresh snapshot.
 */
export function createLiveLink(options: LiveLinkOptions): LiveLink {
  const log = options.log.child({ part: 'live' });
  const endpoints: Record<string, Endpoint> = {};
  let plant = options.plant;
  let child: ChildProcess | undefined;
  let startedAt = 0;
  let stopping: Promise<void> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  const caps = { ...defaultStreamCaps, ...options.streamCaps };
  const realtimePriority = options.realtimePriority ?? (options.redisBus ? 0 : defaultLivePriority);
  const opens = createOpenRate(caps);
  /**
   * Streams handed to the live process, by key, from the handover on (so a burst of requests
   * is counted before any of them opened); `opened` once it reported the stream open. All
   * counted closed when it dies.
   */
  const streams = new Map<number, OpenStreamInfo & { opened: boolean }>();
  let nextKey = 1;
  /** Writes sent to the live process, by id, until it answers (or dies). */
  const writes = new Map<number, { resolve(at: number): void; reject(error: Error): void }>();
  let nextWrite = 1;

  const sendTo = (to: ChildProcess | undefined, message: ToLive, handle?: Socket, sent?: () => void): boolean => {
    if (!to?.connected) return false;
    to.send(message, handle, { keepOpen: true }, (error) => {
      if (error) log.warn({ err: error }, 'send to the live process failed');
      sent?.();
    });
    return true;
  };

  function handedOver(transport: 'sse' | 'ws', owner: StreamOwner): number {
    const key = nextKey++;
    streams.set(key, { transport, owner, opened: false });
    return key;
  }

  function onMessage(m: FromLive, resolveStart: () => void, rejectStart: (e: Error) => void): void {
    switch (m.type) {
      case 'samples':
        options.onSamples(m.batch);
        return;
      case 'poll':
        options.onPoll?.(m.connection, m.poll);
        return;
      case 'stream-opened': {
        const stream = streams.get(m.key);
        if (!stream || stream.opened) return;
        stream.opened = true;
        options.onStreamOpened?.(stream);
        return;
      }
      case 'stream-closed': {
        const stream = streams.get(m.key);
        if (!stream) return;
        streams.delete(m.key);
        if (stream.opened) options.onStreamClosed?.(stream, m.reason);
        return;
      }
      case 'coalesced':
        options.onCoalesced?.(m.samples);
        return;
      case 'written': {
        const w = writes.get(m.id);
        writes.delete(m.id);
        if (m.error === undefined) w?.resolve(m.at!);
        else w?.reject(new ModbusReadError(m.error));
        return;
      }
      case 'fanout':
        options.onFanout?.(m.seconds);
        return;
      case 'log':
        relayLog(options.log, m.record);
        return;
      case 'started':
        resolveStart();
        return;
      case 'start-failed':
        rejectStart(new Error(`live process failed to start: ${m.message}`));
        return;
    }
  }

  function launch(): Promise<void> {
    startedAt = performance.now();
    // A small young generation: the stream frames it allocates die young, and V8's default
    // (16 MiB semi-spaces) held ~24 MiB more resident for nothing (bench:memory: 103 → 79 MiB).
    const proc = fork(liveModule, [], {
      execArgv: [...execArgvFor(liveModule), '--max-semi-space-size=2', ...realtimeNodeFlags(realtimePriority)],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = proc;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`live process did not start within ${options.startTimeoutMs ?? 20_000} ms`)),
        options.startTimeoutMs ?? 20_000,
      );
      const settle = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      proc.on('message', (m: FromLive) => onMessage(m, () => settle(), settle));
      proc.on('error', (error) => log.error({ err: error }, 'live process error'));
      proc.on('exit', (code, signal) => {
        settle(new Error(`live process exited (${signal ?? `code ${code}`}) while starting`));
        if (child !== proc) return;
        child = undefined;
        for (const stream of streams.values()) if (stream.opened) options.onStreamClosed?.(stream, 'client');
        streams.clear();
        for (const w of writes.values()) w.reject(new ModbusReadError('live process restarted'));
        writes.clear();
        if (stopping !== undefined) return;
        log.error({ code, signal }, 'live process exited unexpectedly; restarting');
        const wait = Math.max(0, startedAt + RESTART_INTERVAL_MS - performance.now());
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          launch().catch((error: unknown) => log.error({ err: error }, 'live process restart failed'));
        }, wait);
      });
      sendTo(proc, {
        type: 'start',
        plant,
        endpoints: { ...endpoints },
        heartbeatMs: options.heartbeatMs,
        retryMs: options.retryMs,
        realtimePriority,
        realtimeChosen: options.realtimePriority !== undefined,
        logLevel: options.log.level as LogLevel,
        redisBus: options.redisBus,
        ...options.state(),
      });
    });
  }

  return {
    start: () => launch(),
    stop() {
      stopping ??= (async () => {
        clearTimeout(restartTimer);
        const proc = child;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        if (!sendTo(proc, { type: 'stop' })) proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
    setEndpoint(connection, host, port) {
      endpoints[connection] = { host, port };
      sendTo(child, { type: 'endpoint', connection, host, port });
    },
    applyPlant(next, restart, version) {
      plant = next;
      const simulated = simulatedConnectionIds(next);
      for (const id of Object.keys(endpoints)) if (!simulated.has(id)) delete endpoints[id];
      sendTo(child, { type: 'plant', plant: next, restart: [...restart], version });
    },
    write(connection, request) {
      return new Promise<number>((resolve, reject) => {
        const id = nextWrite++;
        writes.set(id, { resolve, reject });
        if (!sendTo(child, { type: 'write', id, connection, request })) {
          writes.delete(id);
          reject(new ModbusReadError('live process restarting'));
        }
      });
    },
    publish(event, data) {
      sendTo(child, { type: 'publish', event, data });
    },
    refusal: (owner) =>
      streamRefusal(
        [...streams.values()].map((s) => s.owner),
        owner,
        caps,
      ) ?? opens.take(owner.userId, Date.now()),
    handOverSse(req, res, query, owner) {
      const socket = req.socket;
      const key = handedOver('sse', owner);
      const message: ToLive = { type: 'sse', key, request: requestHead(req), responseHeaders: res.getHeaders(), query, loginSession: owner.session };
      // Marked as a stream for the request metrics; nothing is written here.
      res.setHeader('content-type', 'text/event-stream; charset=utf-8');
      // The live process holds its own copy of the socket once the message is sent: this one
      // is closed without a shutdown, which the client never sees.
      if (!sendTo(child, message, socket, () => socket.destroy())) {
        streams.delete(key);
        res.removeHeader('content-type');
        sendError(res, 503, 'LW_UNAVAILABLE', 'the live stream is restarting, try again');
      }
    },
    handOverWs(req, socket, head, query, owner) {
      const key = handedOver('ws', owner);
      if (!sendTo(child, { type: 'ws', key, request: requestHead(req), head, query, loginSession: owner.session }, socket, () => socket.destroy())) {
        streams.delete(key);
        socket.destroy();
      }
    },
    endSession(loginSession) {
      sendTo(child, { type: 'end-session', loginSession });
    },
    streams: () => [...streams.values()].filter((s) => s.opened),
  };
}
