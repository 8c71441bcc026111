import { gzipSync } from 'node:zlib';

/**
 * An HTTP answer body made in a query worker: its bytes travel to the main thread in an
 * ArrayBuffer that is transferred, not copied, so the main thread neither serialises,
 * compresses nor holds the answer in its heap (large strings there meant longer and more
 * frequent garbage-collection pauses, which the live stream felt).
 */
export interface AnswerBody {
  /** JSON text, gzipped when `gzip`. */
  bytes: ArrayBuffer;
  gzip: boolean;
}

/** Answers below this size go out as they are: compressing them saves less than it costs. */
const compressFrom = 2048;

/** The body of `json`, gzipped when the client takes gzip and it is worth it. */
export function answerBody(json: string, acceptsGzip: boolean): AnswerBody {
  const text = Buffer.from(json);
  if (!acceptsGzip || text.length < compressFrom) return { bytes: ownArrayBuffer(text), gzip: false };
  return { bytes: ownArrayBuffer(gzipSync(text)), gzip: true };
}

/** A small Buffer is a view into a shared pool: transferring that pool would detach it. */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
  const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
  return whole ? (b.buffer as ArrayBuffer) : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}
