import type { EventName, EventPayloads, HubEvent } from '../../lib/types.ts';

export interface HubOptions {
  /** Events kept for `Last-Event-ID` replay. Default 20 000. */
  ringSize?: number;
  /**
   * First id. Defaults to the start time in µs, so ids keep increasing across restarts and an
   * id from a previous server life is simply "too old" (the client gets a fresh snapshot).
   */
  firstId?: number;
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
  const ring: (HubEvent | undefined)[] = new Array(ringSize);
  let nextId = options.firstId ?? Date.now() * 1000;
  const firstId = nextId;
  const listeners = new Set<HubListener>();

  return {
    publish(event, data) {
      const e = { id: nextId++, event, data };
      ring[e.id % ringSize] = e;
      for (const listener of listeners) listener(e);
      return e;
    },
    lastId: () => nextId - 1,
    since(afterId) {
      const newest = nextId - 1;
      if (afterId >= newest) return afterId > newest ? null : [];
      const oldest = Math.max(firstId, newest - ringSize + 1);
      if (afterId < oldest - 1) return null;
      const out: HubEvent[] = [];
      for (let id = afterId + 1; id <= newest; id++) out.push(ring[id % ringSize]!);
      return out;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscriberCount: () => listeners.size,
  };
}
