import { encodeSampleEvent } from '../../lib/stream/sample-wire.ts';
import type { EventPayloads } from '../../lib/types.ts';
import type { StreamMessage } from './stream-session.ts';

/**
 * Wire frames of stream messages, built once however many clients receive them: fan-out to
 * M clients must neither stringify nor UTF-8-encode the same event M times. Cached per
 * message object (sessions pass hub events through unchanged), so a frame lives as long as
 * its event does.
 */
const jsonOf = new WeakMap<object, string>();
const sseOf = new WeakMap<StreamMessage, Buffer>();
const wsOf = new WeakMap<StreamMessage, Buffer>();

/** The message's `data` as JSON, in its wire form (samples compacted, lib/stream/sample-wire.ts). */
function payloadJson(m: StreamMessage): string {
  const data: object = m.data;
  let json = jsonOf.get(data);
  if (json === undefined) {
    json = JSON.stringify(m.event === 'sample' ? encodeSampleEvent(data as EventPayloads['sample']) : data);
    jsonOf.set(data, json);
  }
  return json;
}

/**
 * One Server-Sent Events message (https://html.spec.whatwg.org/multipage/server-sent-events.html);
 * `data` is JSON on a single line (JSON never contains a raw newline).
 */
export function sseFrame(m: StreamMessage): Buffer {
  let frame = sseOf.get(m);
  if (!frame) {
    frame = Buffer.from(`${'id' in m ? `id: ${m.id}\n` : ''}event: ${m.event}\ndata: ${payloadJson(m)}\n\n`);
    sseOf.set(m, frame);
  }
  return frame;
}

const batchOf = new WeakMap<StreamMessage, { last: StreamMessage; length: number; bytes: Buffer }>();

/**
 * The SSE frames of `messages`, as one buffer. Clients that keep up take the same run of hub
 * events in the same turn, so the run is joined once and the same buffer goes to each of
 * them (recognised by its first and last message and its length: events are in id order).
 */
export function sseBatch(messages: readonly StreamMessage[]): Buffer {
  if (messages.length === 1) return sseFrame(messages[0]!);
  const first = messages[0]!;
  const last = messages.at(-1)!;
  const known = batchOf.get(first);
  if (known && known.last === last && known.length === messages.length) return known.bytes;
  const bytes = Buffer.concat(messages.map(sseFrame));
  batchOf.set(first, { last, length: messages.length, bytes });
  return bytes;
}

/** Sent first on an SSE stream: how long the browser waits before reconnecting. */
export function sseRetryFrame(ms: number): Buffer {
  return Buffer.from(`retry: ${ms}\n\n`);
}

/** One WebSocket text message: `{ id?, event, data }` as JSON. */
export function wsFrame(m: StreamMessage): Buffer {
  let frame = wsOf.get(m);
  if (!frame) {
    frame = Buffer.from(`{${'id' in m ? `"id":${m.id},` : ''}"event":"${m.event}","data":${payloadJson(m)}}`);
    wsOf.set(m, frame);
  }
  return frame;
}
