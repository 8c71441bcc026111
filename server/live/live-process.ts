/**
 * The live process: polls the PLCs (on its own event loop) and streams every value,
 * alarm, process and job event to the SSE and WebSocket clients, on sockets the server hands
 * over once it has authorised them. Forked by live-link.ts.
 *
 * Why a process of its own: the server's main thread also renders pages, answers history
 * queries and collects a heap of Next's size. Each of those held a poll reply back from the
 * streams for milliseconds; here the path from a PLC's reply to the clients' sockets shares
 * a thread with nothing else. The server gets every sample batch (alarms, historian,
 * metrics, its own current values) and sends its events here, with the processes and alarms
 * the snapshots need.
 */
import type { Socket } from 'node:net';
import { compareAlarms, type AlarmEventPayload, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { ProcessInfo, Snapshot } from '../../lib/types.ts';
import { createInProcessBus } from '../bus/in-process-bus.ts';
import type { LiveBus } from '../bus/live-bus.ts';
import { openRedisBus } from '../bus/redis-bus.ts';
import { createFloorState } from '../floor/floor-state.ts';
import { syncFromOwners } from '../floor/owner-sync.ts';
import { createPoller, type Poller } from '../poller/poller.ts';
import { createSseEndpoint, type SseEndpoint } from '../stream/sse-endpoint.ts';
import { keepAsWireJson } from '../stream/frames.ts';
import { openStreamSession, type OpenStream, type StreamHealth, type StreamSession } from '../stream/stream-session.ts';
import { createWsStreams, type WsStreams } from '../stream/ws-endpoint.ts';
import { realtimeMainThread } from '../util/thread-priority.ts';
import { createLiveState } from './live-state.ts';
import { requestOn, responseOn } from './handed-over-response.ts';
import type { FromLive, ToLive } from './live-messages.ts';
import { type Logger, relayingLogger } from '../log/logger.ts';

// The server may be gone (stopping, or killed): a message then goes nowhere, and must not
// become an 'error' event that ends this process before it stops its streams.
const send = (message: FromLive) => process.connected && process.send?.(message, undefined, {}, () => {});

/** Open streams, with the login session each ends with. */
const streams = new Map<StreamSession, string | undefined>();
let running: { poller?: Poller; sse: SseEndpoint; ws: WsStreams; stopSync?: () => void; applyPlant?: Source['applyPlant'] } | undefined;
let rootLog: Logger | undefined;
/** Plant versions are applied one after another, in the order the server sent them. */
let applying: Promise<void> = Promise.resolve();
// The snapshots' processes and alarms, from the server's list at start and its events since
// (a process event is a process's latest state; an alarm event carries the alarm after it).
const processes = new Map<string, ProcessInfo>();
const alarms = new Map<string, AlarmView>();
// The live bus: in-process (this process group's ids, replay window and fan-out), or Redis's (role web).
let bus: LiveBus = createInProcessBus({ keep: keepAsWireJson });
let stopping: Promise<void> | undefined;
/** Role web, while the Redis bus is unreachable (or its lost events not made good yet): what heartbeats say. */
let busHealth: StreamHealth | undefined;
/** Poll reply → written to every stream, per sample batch, seconds: sent to the server's metrics once a second. */
let fanout: number[] = [];
setInterval(() => {
  if (fanout.length === 0) return;
  send({ type: 'fanout', seconds: fanout });
  fanout = [];
}, 1000).unref();

type StartMessage = Extract<ToLive, { type: 'start' }>;
type PlantMessage = Extract<ToLive, { type: 'plant' }>;

/** Where a stream's events and snapshots come from: the poller here, or the Redis bus. */
interface Source {
  snapshot: () => Snapshot;
  poller?: Poller;
  stopSync?: () => void;
  /** Goes over to a new plant version (role all: the poller and the current values, then the streams hear of it). */
  applyPlant: (m: PlantMessage) => Promise<void>;
}

/** Role web: the collectors poll and publish; this process streams what the Redis bus carries. */
async function streamFromRedis(m: StartMessage, redisBus: NonNullable<StartMessage['redisBus']>, root: Logger): Promise<Source> {
  bus = await openRedisBus({ url: redisBus.url, keyPrefix: redisBus.keyPrefix, log: root });
  const floor = createFloorState(m.plant);
  bus.subscribe((e) => {
    floor.apply(e);
    if (e.event !== 'sample') return;
    // Poll reply (stamped by the collector) → written to every stream: the streams write in
    // this turn's immediates, queued after this listener's; the nested one runs after them.
    const { readAt } = e.data as { readAt: number };
    setImmediate(() => setImmediate(() => fanout.push((performance.timeOrigin + performance.now() - readAt) / 1000)));
  });
  // An outage: every stream says so in its heartbeats. Back: once the owners told their state
  // again, the events lost meanwhile are past replay, and every stream resumes with a snapshot.
  const down = (since: number): StreamHealth => ({ bus: 'down', since });
  const initial = bus.status();
  busHealth = initial.connected ? undefined : down(initial.since);
  bus.onStatus((status) => {
    if (status.connected || busHealth) return;
    busHealth = down(status.since);
    for (const stream of streams.keys()) stream.beat();
  });
  const onResynced = () => {
    if (!busHealth) return;
    busHealth = undefined;
    bus.forget();
    for (const stream of [...streams.keys()]) stream.close('resync');
  };
  const sync = syncFromOwners({ bus, plant: m.plant, state: floor, log: root.child({ part: 'live' }), onResynced });
  return {
    snapshot: () => ({ id: bus.lastId(), lines: floor.lines(), values: floor.values(), processes: floor.processes(), alarms: floor.activeAlarms() }),
    stopSync: sync.stop,
    // The streams hear of the version from the bus: the web instance that applied it published it.
    async applyPlant({ plant }) {
      floor.setPlant(plant);
      sync.setPlant(plant);
    },
  };
}

/** One process group: poll here, publish on the in-process bus; processes and alarms come from the server. */
function pollHere(m: StartMessage, root: Logger): Source {
  for (const p of m.processes) processes.set(p.id, p);
  for (const a of m.alarms) alarms.set(a.id, a);
  const live = createLiveState(m.plant);
  const poller = createPoller({
    plant: m.plant,
    endpoints: m.endpoints,
    log: root.child({ part: 'poller' }),
    onSamples(batch) {
      const changed = live.apply(batch.line, batch.samples);
      // In-process, a publish reaches the streams' queues before it returns.
      void bus.publish('sample', { line: batch.line, readAt: batch.readAt, samples: batch.samples });
      if (changed) void bus.publish('line', changed);
      // The streams write in this turn's immediates, queued by the publish: this one runs after them.
      setImmediate(() => fanout.push((performance.timeOrigin + performance.now() - batch.readAt) / 1000));
      send({ type: 'samples', batch });
    },
    onPoll: (connection, poll) => send({ type: 'poll', connection, poll }),
  });
  const snapshot = (): Snapshot => ({
    id: bus.lastId(),
    lines: live.lines(),
    values: live.values(),
    processes: [...processes.values()],
    alarms: [...alarms.values()].sort(compareAlarms),
  });
  async function applyPlant(m: PlantMessage): Promise<void> {
    // Values of tags gone leave the snapshots before the loops change.
    for (const status of live.setPlant(m.plant)) void bus.publish('line', status);
    await poller.apply(m.plant, m.restart);
    void bus.publish('plant', { version: m.version });
  }
  return { snapshot, poller, applyPlant };
}

async function start(m: StartMessage): Promise<void> {
  const root = relayingLogger((record) => send({ type: 'log', record }), m.logLevel);
  rootLog = root;
  if (m.realtimePriority > 0) {
    // This thread parses no client input past a budget (ws-endpoint.ts, stream-caps.ts).
    const what = m.redisBus ? 'streams' : 'polling and streams';
    const refused = realtimeMainThread(m.realtimePriority);
    if (refused) root[m.realtimeChosen ? 'warn' : 'info']({ part: 'live', reason: refused }, `real-time priority not set: ${what} at ordinary priority`);
    else root.info({ part: 'live', priority: m.realtimePriority }, `${what} at real-time priority (SCHED_RR)`);
  }
  const { snapshot, poller, stopSync, applyPlant } = m.redisBus ? await streamFromRedis(m, m.redisBus, root) : pollHere(m, root);
  const openStream: OpenStream = (transport, { onClose, loginSession, key = -1, ...options }) => {
    const stream = openStreamSession(bus, snapshot, {
      ...options,
      health: () => busHealth,
      onCoalesced: (samples) => send({ type: 'coalesced', samples }),
      onClose(reason) {
        streams.delete(stream);
        send({ type: 'stream-closed', key, reason });
        onClose?.(reason);
      },
    });
    streams.set(stream, loginSession);
    send({ type: 'stream-opened', key });
    return stream;
  };
  running = {
    poller,
    stopSync,
    applyPlant,
    sse: createSseEndpoint(openStream, { heartbeatMs: m.heartbeatMs, retryMs: m.retryMs }),
    ws: createWsStreams(openStream, { heartbeatMs: m.heartbeatMs }),
  };
  await poller?.start();
}

function onMessage(m: ToLive, socket: Socket | undefined): void {
  switch (m.type) {
    case 'start':
      start(m).then(
        () => send({ type: 'started' }),
        (error: unknown) => send({ type: 'start-failed', message: (error as Error).message }),
      );
      return;
    case 'publish':
      // The state first: a snapshot taken after this event must hold it.
      if (m.event === 'process') {
        const info = m.data as ProcessInfo;
        processes.set(info.id, info);
      } else if (m.event === 'alarm') {
        const { alarm } = m.data as AlarmEventPayload;
        if (alarm.state === 'normal') alarms.delete(alarm.id);
        else alarms.set(alarm.id, alarm);
      }
      void bus.publish(m.event, m.data as never);
      return;
    case 'endpoint':
      running?.poller?.setEndpoint(m.connection, m.host, m.port);
      return;
    case 'write': {
      const poller = running?.poller;
      if (!poller) return void send({ type: 'written', id: m.id, error: 'not polling' });
      poller.write(m.connection, m.request).then(
        (at) => send({ type: 'written', id: m.id, at }),
        (error: unknown) => send({ type: 'written', id: m.id, error: (error as { reason?: string }).reason ?? (error as Error).message }),
      );
      return;
    }
    case 'plant': {
      const apply = running?.applyPlant;
      applying = applying
        .then(() => apply?.(m))
        .catch((error: unknown) => rootLog?.error({ err: error, version: m.version }, 'applying a plant version failed'));
      return;
    }
    case 'sse':
    case 'ws': {
      if (!socket) return void send({ type: 'stream-closed', key: m.key, reason: 'client' });
      // However a handed-over socket ends, the server's count of streams must hear of it: a
      // stream that opened reports its own close (and a second report of a key is ignored).
      socket.once('close', () => send({ type: 'stream-closed', key: m.key, reason: 'client' }));
      if (!running) return void socket.destroy();
      const handover = { loginSession: m.loginSession, key: m.key };
      if (m.type === 'ws') {
        running.ws.accept(requestOn(socket, m.request), socket, Buffer.from(m.head), m.query, handover);
      } else {
        // With the security headers the server's request guard chose.
        const { req, res } = responseOn(socket, m.request, m.responseHeaders);
        running.sse.start(req, res, m.query, handover);
      }
      return;
    }
    case 'end-session':
      for (const [stream, session] of streams) if (session === m.loginSession) stream.close('session-ended');
      return;
    case 'stop':
      void stop().then(() => process.exit(0));
      return;
  }
}

/** Ends every stream, then the poller (its sockets closed). */
function stop(): Promise<void> {
  stopping ??= (async () => {
    if (!running) return;
    running.stopSync?.();
    running.sse.close();
    await running.ws.close();
    await running.poller?.stop();
    await bus.close();
  })();
  return stopping;
}

process.on('message', onMessage);
// The server is gone (or cut us off): nothing may keep polling for nobody.
process.on('disconnect', () => void stop().then(() => process.exit(0)));
// The server stops us by message; a terminal's Ctrl-C reaches the whole group, and the server decides.
process.on('SIGINT', () => {});
