import type { EventName, EventPayloads, HubEvent } from '../../lib/types.ts';

export interface HubOptions {
  /** Events kept for `Last-Event-ID` replay, at most. Default 20 000. */
  ringSize?: number;
  /**
   * Events older than this, ms, are not kept for replay either. Default 60 000: a device back
   * from a short Wi-Fi gap resumes where it was; after a longer one, it gets a fresh snapshot.
   */
  replayMs?: number;
  /** Clock of the replay window (tests). */
  now?: () => number;
  /**
   * First id. Defaults to the start time in µs, so ids keep increasing across restarts and an
   * id from a previous server life is simply "too old" (the client gets a fresh snapshot).
   */
  firstId?: number;
  /**
   * How kept events are stored: by default as they are. A codec keeps each as one string (its
   * data packed) and rebuilds it on replay, which only reconnecting clients ask for.
   */
  keep?: KeptEventCodec;
}

export interface KeptEventCodec {
  pack(event: HubEvent): string;
  unpack(id: number, event: EventName, packed: string): HubEvent;
}

export type HubListener = (event: HubEvent) => void;

export interface Hub {
  publish<N extends EventName>(event: N, data: EventPayloads[N]): HubEvent<N>;
  /** Id of the newest event, or `firstId - 1` before any. */
  lastId(): number;
  /** Events with id > `afterId`, oldest first; `null` when some of them already left the ring. */
  since(afterId: number): HubEvent[] | null;
  /** Calls `listener` synchronously for every event; returns the unsubscribe function. */
  subscribe(listener: HubListener): () => void;
  subscriberCount(): number;
}

/**
 * The in-process event hub: gives each event a monotonic id, keeps a bounded ring for
 * replay and fans events out synchronously. Listeners must be cheap (queue, don't work).
 */
export function createHub(options: HubOptions = {}): Hub {
  const ringSize = options.ringSize ?? 20_000;
  const replayMs = options.replayMs ?? 60_000;
  const now = options.now ?? Date.now;
  // Every event kept lives long enough to reach the old generation of the main thread's
  // heap, with its samples and cached frames. Kept by count alone, 20 000 events are 8 min
  // of a 200-tag plant polled at 10 Hz (bench:live): up to ~100 MB more for every major
  // collection to walk, pauses the live stream feels. Hence the age bound too, and the codec
  // (`keep`): a minute of events as strings instead of object graphs.
  const codec = options.keep;
  const ring: (HubEvent | string | undefined)[] = new Array(ringSize);
  /** With a codec, the name of each kept event. */
  const names: EventName[] = codec ? new Array(ringSize) : [];
  /** When each kept event was published (a typed array: no object per event on the live path). */
  const publishedAt = new Float64Array(ringSize);
  let nextId = options.firstId ?? Date.now() * 1000;
  const firstId = nextId;
  /** Oldest id still kept. */
  let oldest = firstId;
  const listeners = new Set<HubListener>();

  function dropExpired(at: number): void {
    oldest = Math.max(oldest, nextId - ringSize);
    while (oldest < nextId && publishedAt[oldest % ringSize]! < at - replayMs) ring[oldest++ % ringSize] = undefined;
  }

  return {
    publish(event, data) {
      const e = { id: nextId++, event, data };
      const at = now();
      const slot = e.id % ringSize;
      ring[slot] = codec ? codec.pack(e) : e;
      if (codec) names[slot] = event;
      publishedAt[slot] = at;
      dropExpired(at);
      for (const listener of listeners) listener(e);
      return e;
    },
    lastId: () => nextId - 1,
    since(afterId) {
      dropExpired(now());
      const newest = nextId - 1;
      if (afterId >= newest) return afterId > newest ? null : [];
      if (afterId < oldest - 1) return null;
      const out: HubEvent[] = [];
      for (let id = afterId + 1; id <= newest; id++) {
        const kept = ring[id % ringSize]!;
        out.push(typeof kept === 'string' ? codec!.unpack(id, names[id % ringSize]!, kept) : kept);
      }
      return out;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscriberCount: () => listeners.size,
  };
}
