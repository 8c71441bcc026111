/** Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
import { payloadJson } from './serialize.ts';

export interface SseMessage {
  id?: number;
  event: string;
  data: unknown;
}

/** One SSE message; `data` is JSON on a single line (JSON never contains a raw newline). */
export function formatSse(m: SseMessage): string {
  return `${m.id === undefined ? '' : `id: ${m.id}\n`}event: ${m.event}\ndata: ${payloadJson(m.data)}\n\n`;
}

/** Sent first: how long the browser waits before reconnecting. */
export function formatRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}
