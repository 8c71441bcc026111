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
