import { decodeSampleEvent } from '../../lib/stream/sample-wire.ts';

/**
 * A minimal SSE client over fetch for tests and benchmarks: parses `id`, `event`, `data`;
 * `sample` events are decoded from their wire form (as the browser's live store does).
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export interface SseClient {
  /** Resolves with the first event (already received or future) that matches. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  events: SseEvent[];
  status: number;
  headers: Headers;
  /** Resolves when the stream ends (the server closed it, or `close()`). */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, options: { lastEventId?: string; cookie?: string; onEvent?: (e: SseEvent) => void } = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    signal: abort.signal,
    headers: {
      accept: 'text/event-stream',
      ...(options.cookie && { cookie: options.cookie }),
      ...(options.lastEventId !== undefined && { 'last-event-id': String(options.lastEventId) }),
    },
  });
  const events: SseEvent[] = [];
  const waiters = new Set<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }>();

  const dispatch = (e: SseEvent) => {
    events.push(e);
    options.onEvent?.(e);
    for (const w of waiters) {
      if (w.match(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  };

  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: Partial<SseEvent> & { event: string } = { event: 'message' };
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) {
            const parsed = JSON.parse(data);
            dispatch({ ...e, data: e.event === 'sample' ? decodeSampleEvent(parsed) : parsed });
          }
        }
      }
    } catch {
      // aborted
    }
  })();

  return {
    events,
    ended,
    status: res.status,
    headers: res.headers,
    waitFor(match, timeoutMs = 10_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (e: SseEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching SSE event within ${timeoutMs} ms (${events.length} received)`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () => abort.abort(),
  };
}
