import type { HubEvent, Sample, Snapshot } from '../../lib/types.ts';
import type { Hub } from '../hub/hub.ts';

/**
 * One message a stream client receives, transport-neutral (SSE and WebSocket format it).
 * Hub events are passed on as the same objects, so their frames are built once (frames.ts).
 */
export type StreamMessage =
  | HubEvent
  | { id: number; event: 'snapshot'; data: Snapshot }
  | { event: 'heartbeat'; data: { ts: number; lastId: number } };

export interface StreamSessionOptions {
  /** Resume after this id (SSE `Last-Event-ID`); a fresh snapshot when missing or too old. */
  lastEventId?: number;
  /** Only this line's events and snapshot part (events without a line always pass). */
  line?: string;
  /** Queue length at which queued samples are coalesced to the latest value per tag. Default 256. */
  maxQueued?: number;
  heartbeatMs?: number;
  onCoalesced?: (droppedSamples: number) => void;
  /** Called once, when the session closes. */
  onClose?: () => void;
}

export interface StreamSession {
  /** Takes every queued message, oldest first. */
  take(): StreamMessage[];
  /** Called (at most once per wake-up, in the check phase of the loop) when messages become available after a `take()`. */
  onReadable(listener: () => void): void;
  close(): void;
}

/**
 * A subscriber's bounded queue between the hub and one client. It starts with a snapshot
 * (or the replay of missed events), then queues hub events. When the client is slow and the
 * queue grows past `maxQueued`, sample events are folded into one event per line holding the
 * latest value of each tag; every other event (alarms, line states, jobs) is kept in order.
 */
export function openStreamSession(hub: Hub, snapshot: () => Snapshot, options: StreamSessionOptions = {}): StreamSession {
  const maxQueued = options.maxQueued ?? 256;
  let queue: StreamMessage[] = [];
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

  function push(m: StreamMessage): void {
    queue.push(m);
    if (queue.length > maxQueued) coalesce();
    wake();
  }

  function coalesce(): void {
    const latest = new Map<string, { id: number; readAt: number; samples: Map<string, Sample> }>();
    const kept: StreamMessage[] = [];
    let dropped = 0;
    for (const m of queue) {
      if (m.event !== 'sample') {
        kept.push(m);
        continue;
      }
      const data = m.data as HubEvent<'sample'>['data'];
      let entry = latest.get(data.line);
      if (!entry) latest.set(data.line, (entry = { id: m.id, readAt: data.readAt, samples: new Map() }));
      entry.id = m.id;
      entry.readAt = data.readAt;
      for (const s of data.samples) {
        if (entry.samples.has(s.tag)) dropped++;
        entry.samples.set(s.tag, s);
      }
    }
    for (const [line, e] of latest) {
      kept.push({ id: e.id, event: 'sample', data: { line, readAt: e.readAt, samples: [...e.samples.values()] } });
    }
    queue = kept;
    if (dropped > 0) options.onCoalesced?.(dropped);
  }

  // Start: replay what the client missed, or a fresh snapshot. Subscribing in the same
  // synchronous turn keeps snapshot/replay and live events gapless and without duplicates.
  const missed = options.lastEventId === undefined ? null : hub.since(options.lastEventId);
  if (missed) {
    for (const e of missed) if (wanted(e)) queue.push(e);
    if (queue.length > maxQueued) coalesce();
  } else {
    const snap = options.line ? snapshotOfLine(snapshot(), options.line) : snapshot();
    queue.push({ id: snap.id, event: 'snapshot', data: snap });
  }
  const unsubscribe = hub.subscribe((e) => {
    if (wanted(e)) push(e);
  });
  const heartbeat = setInterval(() => push({ event: 'heartbeat', data: { ts: Date.now(), lastId: hub.lastId() } }), options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    take() {
      const out = queue;
      queue = [];
      notified = false;
      return out;
    },
    onReadable(l) {
      listener = l;
      if (queue.length > 0) wake();
    },
    close() {
      if (closed) return;
      closed = true;
      options.onClose?.();
      unsubscribe();
      clearInterval(heartbeat);
      listener = undefined;
      queue = [];
    },
  };
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
