import type { EventName, EventPayloads, HubEvent } from '../../lib/types.ts';
import { compareEventIds, createIdClock, isEventId, type EventId } from '../bus/event-id.ts';

export interface HubOptions {
  /** Events kept for `Last-Event-ID` replay, at most. Default 20 000. */
  ringSize?: number;
  /**
   * Events older than this, ms, are not kept for replay either. Default 60 000: a device back
   * from a short Wi-Fi gap resumes where it was; after a longer one, it gets a fresh snapshot.
   */
  replayMs?: number;
  /** Clock of the replay window and of the ids `publish` gives (tests). */
  now?: () => number;
  /**
   * Resuming after an id before this one gets `null` (a fresh snapshot). Default: the id
   * before the first one `publish` gives. A hub mirroring a bus sets it to the newest id the
   * bus no longer holds.
   */
  floorId?: EventId;
  /**
   * How kept events are stored: by default as they are. A codec keeps each as one string (its
   * data packed) and rebuilds it on replay, which only reconnecting clients ask for.
   */
  keep?: KeptEventCodec;
}

export interface KeptEventCodec {
  pack(event: HubEvent): string;
  unpack(id: EventId, event: EventName, packed: string): HubEvent;
}

export type HubListener = (event: HubEvent) => void;

export interface Hub {
  /** Gives the event the next id of this hub's own clock, keeps it and fans it out. */
  publish<N extends EventName>(event: N, data: EventPayloads[N]): HubEvent<N>;
  /** Keeps and fans out an event whose id a bus gave (increasing; one after `lastId()`). */
  append<N extends EventName>(id: EventId, event: N, data: EventPayloads[N]): HubEvent<N>;
  /** Id of the newest event, or the floor before any. */
  lastId(): EventId;
  /** Events with id > `afterId`, oldest first; `null` when some of them are no longer kept, or the id is unknown. */
  since(afterId: EventId): HubEvent[] | null;
  /** Calls `listener` synchronously for every event; returns the unsubscribe function. */
  subscribe(listener: HubListener): () => void;
  subscriberCount(): number;
  /**
   * Events were lost before the newest (a bus outage: owners' events that never reached it):
   * resuming after any id up to it gets `null` (a fresh snapshot), not a replay with a gap.
   */
  forget(): void;
}

/**
 * One process's replay window and fan-out of live-bus events: keeps a bounded ring for
 * `Last-Event-ID` replay and calls listeners synchronously. Listeners must be cheap (queue,
 * don't work). The in-process bus publishes into it; the Redis bus appends what it reads.
 */
export function createHub(options: HubOptions = {}): Hub {
  const ringSize = options.ringSize ?? 20_000;
  const replayMs = options.replayMs ?? 60_000;
  const now = options.now ?? Date.now;
  const ids = createIdClock(now);
  // Every event kept lives long enough to reach the old generation of the main thread's
  // heap, with its samples and cached frames. Kept by count alone, 20 000 events are 8 min
  // of a 200-tag plant polled at 10 Hz (bench:live): up to ~100 MB more for every major
  // collection to walk, pauses the live stream feels. Hence the age bound too, and the codec
  // (`keep`): a minute of events as strings instead of object graphs.
  const codec = options.keep;
  const ring: (HubEvent | string | undefined)[] = new Array(ringSize);
  const keptIds: (EventId | undefined)[] = new Array(ringSize);
  /** With a codec, the name of each kept event. */
  const names: EventName[] = codec ? new Array(ringSize) : [];
  /** When each kept event was published (a typed array: no object per event on the live path). */
  const publishedAt = new Float64Array(ringSize);
  // Positions count events appended; a position's slot is `position % ringSize`.
  let next = 0;
  /** Position of the oldest event still kept. */
  let oldest = 0;
  /** Id of the newest event no longer kept (or the floor): resuming after an older id misses some. */
  let floor = options.floorId ?? ids.start;
  let newest = floor;
  /** Resuming after this id or an older one misses lost events (`forget`). */
  let lostUpTo: EventId | undefined;
  const listeners = new Set<HubListener>();

  function drop(): void {
    const slot = oldest++ % ringSize;
    floor = keptIds[slot]!;
    ring[slot] = undefined;
    keptIds[slot] = undefined;
  }

  function dropExpired(at: number): void {
    while (oldest < next && publishedAt[oldest % ringSize]! < at - replayMs) drop();
  }

  function keep<N extends EventName>(id: EventId, event: N, data: EventPayloads[N]): HubEvent<N> {
    const e = { id, event, data };
    const at = now();
    if (next - oldest === ringSize) drop();
    const slot = next++ % ringSize;
    ring[slot] = codec ? codec.pack(e) : e;
    keptIds[slot] = id;
    if (codec) names[slot] = event;
    publishedAt[slot] = at;
    newest = id;
    dropExpired(at);
    for (const listener of listeners) listener(e);
    return e;
  }

  /** Position of the first kept event with an id after `afterId` (`next` when none). */
  function firstAfter(afterId: EventId): number {
    let lo = oldest;
    let hi = next;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEventIds(keptIds[mid % ringSize]!, afterId) > 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  return {
    publish: (event, data) => keep(ids.next(), event, data),
    append: keep,
    lastId: () => newest,
    since(afterId) {
      dropExpired(now());
      if (!isEventId(afterId)) return null;
      if (lostUpTo !== undefined && compareEventIds(afterId, lostUpTo) <= 0) return null;
      const toNewest = compareEventIds(afterId, newest);
      if (toNewest >= 0) return toNewest > 0 ? null : [];
      if (compareEventIds(afterId, floor) < 0) return null;
      const out: HubEvent[] = [];
      for (let p = firstAfter(afterId); p < next; p++) {
        const slot = p % ringSize;
        const kept = ring[slot]!;
        out.push(typeof kept === 'string' ? codec!.unpack(keptIds[slot]!, names[slot]!, kept) : kept);
      }
      return out;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscriberCount: () => listeners.size,
    forget() {
      lostUpTo = newest;
    },
  };
}
