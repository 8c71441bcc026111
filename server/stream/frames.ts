import { decodeSampleEvent, encodeSampleEvent, type WireSampleEvent } from '../../lib/stream/sample-wire.ts';
import type { EventPayloads, HubEvent } from '../../lib/types.ts';
import type { KeptEventCodec } from '../hub/hub.ts';
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
 * Hub events kept for replay as their payload's wire JSON, which the first client's frame
 * needed anyway: one string per event for the main thread's GC to skip over, instead of a
 * graph of sample objects, buffers and cache entries living a minute into the old generation.
 */
export const keepAsWireJson: KeptEventCodec = {
  pack: (e) => payloadJson(e),
  unpack(id, event, json) {
    const parsed: unknown = JSON.parse(json);
    const data = (event === 'sample' ? decodeSampleEvent(parsed as WireSampleEvent) : parsed) as object;
    // Its wire JSON is this very string: a frame of it (or keeping it again, as a hub fed by
    // the Redis bus does with every event) must not stringify it a second time.
    jsonOf.set(data, json);
    return { id, event, data } as HubEvent;
  },
};

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

const batchOf = new WeakMap<StreamMessage, { messages: readonly StreamMessage[]; bytes: Buffer }>();

/**
 * The SSE frames of `messages`, as one buffer. Clients that keep up take the same run of hub
 * events in the same turn, so the run is joined once and the same buffer goes to each of
 * them. A run is recognised by its messages themselves, not by its ends: clients with other
 * `?line=` filters, or a slow client's merged samples, share the ends of a run but not its
 * middle. Comparing a few references per client costs nothing next to the write.
 */
export function sseBatch(messages: readonly StreamMessage[]): Buffer {
  if (messages.length === 1) return sseFrame(messages[0]!);
  const first = messages[0]!;
  const known = batchOf.get(first);
  if (known && sameRun(known.messages, messages)) return known.bytes;
  const bytes = Buffer.concat(messages.map(sseFrame));
  batchOf.set(first, { messages, bytes });
  return bytes;
}

function sameRun(a: readonly StreamMessage[], b: readonly StreamMessage[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sent first on an SSE stream: how long the browser waits before reconnecting. */
export function sseRetryFrame(ms: number): Buffer {
  return Buffer.from(`retry: ${ms}\n\n`);
}

/** One WebSocket text message: `{ id?, event, data }` as JSON. */
export function wsFrame(m: StreamMessage): Buffer {
  let frame = wsOf.get(m);
  if (!frame) {
    frame = Buffer.from(`{${'id' in m ? `"id":"${m.id}",` : ''}"event":"${m.event}","data":${payloadJson(m)}}`);
    wsOf.set(m, frame);
  }
  return frame;
}
