import type { HubEvent, Sample, Snapshot } from '../../lib/types.ts';
import type { Hub } from '../hub/hub.ts';

/**
 * One message a stream client receives, transport-neutral (SSE and WebSocket format it).
 * Hub events are passed on as the same objects, so their frames are built once (frames.ts).
 */
export type StreamMessage =
  | HubEvent
  | { id: string; event: 'snapshot'; data: Snapshot }
  | { event: 'heartbeat'; data: { ts: number; lastId: string } & Partial<StreamHealth> };

/**
 * What a heartbeat says when the stream is not whole: the live bus (Redis) is unreachable, so
 * no event reaches this instance — values on screen are as of `since`.
 */
export interface StreamHealth {
  bus: 'down';
  /** Epoch ms since when. */
  since: number;
}

/**
 * Why a session closed: its client left, it fell too far behind, its login session ended, or
 * events were lost (a bus outage) and it must resume with a fresh snapshot.
 */
export type StreamCloseReason = 'client' | 'too-slow' | 'session-ended' | 'resync';

export interface StreamSessionOptions {
  /** Resume after this id (SSE `Last-Event-ID`); a fresh snapshot when missing or too old. */
  lastEventId?: string;
  /** Only this line's events and snapshot part (events without a line always pass). */
  line?: string;
  /** Queue length at which queued samples are coalesced to the latest value per tag. Default 256. */
  maxQueued?: number;
  /**
   * Messages a coalescing queue may hold (alarm, line, process and job events, never dropped,
   * and the merged samples between them). Past it the session closes as `too-slow`: the client
   * catches up by resuming with Last-Event-ID (a replay, or a fresh snapshot). Default 4 × `maxQueued`.
   */
  maxBacklog?: number;
  /** Default 15 s. */
  heartbeatMs?: number;
  /** What is wrong with the stream now (said in every heartbeat, and at once by `beat()`); undefined when nothing is. */
  health?: () => StreamHealth | undefined;
  onCoalesced?: (droppedSamples: number) => void;
  /** Called once, when the session closes. */
  onClose?: (reason: StreamCloseReason) => void;
}

export interface StreamSession {
  /** Takes every queued message, oldest first (ids increasing; the heartbeat, if any, last). */
  take(): StreamMessage[];
  /** Called (at most once per wake-up, in the check phase of the loop) when messages become available after a `take()`. */
  onReadable(listener: () => void): void;
  /** Sends a heartbeat now (its health changed). */
  beat(): void;
  /** Ends the session; a second call does nothing. Default reason `client`. */
  close(reason?: StreamCloseReason): void;
}

/**
 * Opens a stream session for one client of a transport; its `onClose` also runs when the
 * stream is ended from our side (too slow a client, or `loginSession` ended).
 */
export type OpenStream = (transport: 'sse' | 'ws', options: Omit<StreamSessionOptions, 'onCoalesced'> & StreamHandover) => StreamSession;

/** What the server told about a stream it handed over: the login session it ends with, and its key in the server's count of open streams. */
export interface StreamHandover {
  loginSession?: string;
  key?: number;
}

type SampleEvent = HubEvent<'sample'>;

/** Where a session's events come from: the live bus (or a hub, in tests). */
export type StreamSource = Pick<Hub, 'since' | 'lastId' | 'subscribe'>;

/** The samples of one line queued since the last other event, merged into its first part's place and id. */
interface Merged {
  first: SampleEvent;
  readAt: number;
  /** Latest sample per tag; made when a second part arrives. */
  samples?: Map<string, Sample>;
}

/**
 * A subscriber's bounded queue between the hub and one client. It starts with a snapshot
 * (or the replay of missed events), then queues hub events. When the client is slow and the
 * queue grows past `maxQueued`, sample events are folded, per line, into the latest value of
 * each tag; every other event (alarms, line states, processes, jobs) is kept, in order, and
 * past `maxBacklog` the session closes rather than drop one. Only the newest heartbeat is kept.
 */
export function openStreamSession(hub: StreamSource, snapshot: () => Snapshot, options: StreamSessionOptions = {}): StreamSession {
  const maxQueued = options.maxQueued ?? 256;
  const maxBacklog = options.maxBacklog ?? 4 * maxQueued;
  let queue: StreamMessage[] = [];
  // Set while coalescing: the samples after the queue's last message, per line. A merged
  // sample takes the place and id of its first part, and no other event ever moves past it,
  // so ids stay increasing and a client that saw an id holds every value up to it: resuming
  // after it misses nothing (it may get a value again, never an id).
  let merging: Map<string, Merged> | undefined;
  let heartbeat: StreamMessage | undefined;
  let dropped = 0;
  let listener: (() => void) | undefined;
  let notified = false;
  let closed = false;

  const wanted = (e: HubEvent): boolean => {
    if (!options.line) return true;
    const line = (e.data as { line?: unknown; id?: unknown }).line ?? (e.event === 'line' ? (e.data as { id: string }).id : undefined);
    return line === undefined || line === options.line;
  };

  // At the end of this turn of the event loop, not at once: events published in one turn (a
  // sample batch and the line state it changed, replies that arrived together) go out in one
  // write per client.
  function wake(): void {
    if (notified || !listener) return;
    notified = true;
    setImmediate(() => listener?.());
  }

  /** Queues a message; false when the queue is past `maxBacklog`. */
  function enqueue(m: StreamMessage): boolean {
    if (merging) {
      mergeIn(m);
    } else {
      queue.push(m);
      if (queue.length <= maxQueued) return true;
      // From here on each message is merged as it comes: the queue is never walked again.
      const pending = queue;
      queue = [];
      merging = new Map();
      for (const p of pending) mergeIn(p);
    }
    return queue.length + merging.size <= maxBacklog;
  }

  function mergeIn(m: StreamMessage): void {
    if (m.event !== 'sample') {
      settle();
      queue.push(m);
      return;
    }
    const e = m as SampleEvent;
    const entry = merging!.get(e.data.line);
    if (!entry) {
      merging!.set(e.data.line, { first: e, readAt: e.data.readAt });
      return;
    }
    entry.samples ??= new Map(entry.first.data.samples.map((s) => [s.tag, s]));
    for (const s of e.data.samples) {
      if (entry.samples.has(s.tag)) dropped++;
      entry.samples.set(s.tag, s);
    }
    entry.readAt = e.data.readAt;
  }

  /** Moves the merged samples into the queue (in the order of their first parts' ids). */
  function settle(): void {
    for (const { first, readAt, samples } of merging!.values()) {
      queue.push(samples ? { id: first.id, event: 'sample', data: { line: first.data.line, readAt, samples: [...samples.values()] } } : first);
    }
    merging!.clear();
  }

  function reportDropped(): void {
    if (dropped > 0) options.onCoalesced?.(dropped);
    dropped = 0;
  }

  // Start: replay what the client missed, or a fresh snapshot (also when the replay alone is
  // more than the queue may hold). Subscribing in the same synchronous turn keeps
  // snapshot/replay and live events gapless and without duplicates.
  const missed = options.lastEventId === undefined ? null : hub.since(options.lastEventId);
  let replayed = missed !== null;
  for (const e of missed ?? []) {
    if (wanted(e) && !enqueue(e)) {
      replayed = false;
      break;
    }
  }
  if (!replayed) {
    queue = [];
    merging = undefined;
    dropped = 0;
    const snap = options.line ? snapshotOfLine(snapshot(), options.line) : snapshot();
    queue.push({ id: snap.id, event: 'snapshot', data: snap });
  }
  const unsubscribe = hub.subscribe((e) => {
    if (!wanted(e)) return;
    if (enqueue(e)) wake();
    else session.close('too-slow');
  });
  function beat(): void {
    heartbeat = { event: 'heartbeat', data: { ts: Date.now(), lastId: hub.lastId(), ...options.health?.() } };
    wake();
  }
  const heartbeatTimer = setInterval(beat, options.heartbeatMs ?? 15_000);
  heartbeatTimer.unref();
  // A client that connects while the stream is not whole hears of it with its snapshot.
  if (options.health?.()) beat();

  const session: StreamSession = {
    take() {
      if (merging) settle();
      merging = undefined;
      if (heartbeat) queue.push(heartbeat);
      heartbeat = undefined;
      const out = queue;
      queue = [];
      notified = false;
      reportDropped();
      return out;
    },
    onReadable(l) {
      listener = l;
      if (queue.length > 0 || merging || heartbeat) wake();
    },
    beat,
    close(reason = 'client') {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeatTimer);
      listener = undefined;
      queue = [];
      merging = undefined;
      heartbeat = undefined;
      reportDropped();
      options.onClose?.(reason);
    },
  };
  return session;
}

/** The part of a snapshot about one line (processes have no line: all are kept, as their events are). */
function snapshotOfLine(snap: Snapshot, line: string): Snapshot {
  const prefix = `${line}.`;
  return {
    ...snap,
    lines: snap.lines.filter((l) => l.id === line),
    values: snap.values.filter((v) => v.tag.startsWith(prefix)),
    alarms: snap.alarms.filter((a) => a.line === line),
  };
}
