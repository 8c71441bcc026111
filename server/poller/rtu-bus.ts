import { ModbusReadError } from '../../lib/errors.ts';
import { expectedReplyLength, parseRtuReply, rtuFrame } from '../../lib/modbus/rtu-frame.ts';
import type { ByteLink, LinkEvents } from './rtu-links.ts';
import { sleep } from './timing.ts';

/**
 * One Modbus RTU bus: a byte link shared by the devices on it, one request at a time (RTU has
 * no transaction id: a reply is only known by coming next). Before each request the line must
 * have been quiet for the inter-frame silence, and bytes received while nothing was asked are
 * discarded: a late reply to a timed-out request delays the next request instead of answering
 * it. (One that starts after the next request went out cannot be told apart — no RTU master
 * can; the reply must then also match the new request's unit, function and byte count, and
 * timeouts should sit above the devices' response time.) Each request has its own timeout: a
 * dead unit holds the bus that long, then the next request goes.
 */
export interface RtuBus {
  /** Aborted when the link closed or failed; its reason is a ModbusReadError. */
  readonly closed: AbortSignal;
  /**
   * Sends `pdu` to `unitId` when the bus is free, resolves with the reply PDU (a normal or an
   * exception reply, CRC checked). Rejects with a ModbusReadError: `timeout`, a bad frame
   * (`bad reply: CRC`, cause RtuFrameError), the link's failure, or `aborted` when `signal`
   * aborts while the request still waits for its turn (once sent, it runs to its end).
   */
  request(unitId: number, pdu: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Buffer>;
  /** Rejects what waits, releases the link. A second call is harmless. */
  close(): Promise<void>;
}

export interface RtuBusTiming {
  /** Time of one character on the wire, ms (0 for a TCP gateway: it paces the serial side). */
  charMs: number;
  /** Quiet time required before a request, ms (t3.5). */
  silenceMs: number;
}

/** A reply that arrived but is not a valid frame for the request: the link works, this frame did not. */
export class RtuFrameError extends Error {
  override name = 'RtuFrameError';
}

interface Job {
  unitId: number;
  pdu: Uint8Array;
  timeoutMs: number;
  signal?: AbortSignal;
  resolve(reply: Buffer): void;
  reject(error: Error): void;
}

/**
 * Wraps an open link. The caller routes the link's events to `onData` / `onClose` of the
 * returned bus (see rtu-buses.ts), so it owns the link from the first byte.
 */
export function createRtuBus(timing: RtuBusTiming): RtuBus & { attach(link: ByteLink): void } & LinkEvents {
  const closing = new AbortController();
  let link: ByteLink | undefined;
  const queue: Job[] = [];
  let pumping = false;
  /** The request on the wire and what it received so far. */
  let current: { job: Job; received: Buffer; settle(outcome: { reply: Buffer } | { error: Error }): void } | undefined;
  /** performance.now() of the last byte received and of the end of the last frame sent. */
  let lastRxAt = Number.NEGATIVE_INFINITY;
  let lastTxEndAt = Number.NEGATIVE_INFINITY;

  function fail(error: ModbusReadError) {
    if (closing.signal.aborted) return;
    closing.abort(error);
    for (const job of queue.splice(0)) job.reject(error);
    current?.settle({ error });
  }

  /** Waits until the line has been quiet for the silence (timers may fire early: re-check). */
  async function quiet(): Promise<void> {
    for (;;) {
      const due = Math.max(lastRxAt, lastTxEndAt) + timing.silenceMs;
      const wait = due - performance.now();
      if (wait <= 0 || closing.signal.aborted) return;
      await sleep(wait, closing.signal);
    }
  }

  function transact(job: Job): Promise<void> {
    return new Promise<void>((done) => {
      const frame = rtuFrame(job.unitId, job.pdu);
      // The timeout runs from the start of sending and covers both frames' time on the wire.
      const wireMs = (frame.length + expectedReplyLength(job.pdu)) * timing.charMs;
      const timer = setTimeout(() => settle({ error: new ModbusReadError('timeout') }), job.timeoutMs + wireMs);
      const settle = (outcome: { reply: Buffer } | { error: Error }) => {
        if (current?.job !== job) return;
        clearTimeout(timer);
        current = undefined;
        if ('reply' in outcome) job.resolve(outcome.reply);
        else job.reject(outcome.error);
        done();
      };
      current = { job, received: Buffer.alloc(0), settle };
      lastTxEndAt = performance.now() + frame.length * timing.charMs;
      link!.write(frame);
    });
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && !closing.signal.aborted) {
        await quiet();
        const job = queue.shift();
        if (!job || closing.signal.aborted) break;
        await transact(job);
      }
    } finally {
      pumping = false;
    }
  }

  return {
    closed: closing.signal,
    attach(l) {
      link = l;
    },
    onData(chunk) {
      lastRxAt = performance.now();
      if (!current) return;
      current.received = Buffer.concat([current.received, chunk]);
      const reply = parseRtuReply(current.job.unitId, current.job.pdu, current.received);
      if (reply.kind === 'ok') current.settle({ reply: reply.pdu });
      else if (reply.kind === 'bad') current.settle({ error: new ModbusReadError(reply.reason, { cause: new RtuFrameError(reply.reason) }) });
    },
    onClose(reason, cause) {
      fail(new ModbusReadError(reason, { cause }));
    },
    request(unitId, pdu, timeoutMs, signal) {
      if (closing.signal.aborted) return Promise.reject(closing.signal.reason as Error);
      if (signal?.aborted) return Promise.reject(new ModbusReadError('aborted', { cause: signal.reason }));
      return new Promise<Buffer>((resolve, reject) => {
        const job: Job = { unitId, pdu, timeoutMs, signal, resolve, reject };
        const onAbort = () => {
          const i = queue.indexOf(job);
          if (i >= 0) {
            queue.splice(i, 1);
            reject(new ModbusReadError('aborted', { cause: signal?.reason }));
          }
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const cleanup = () => signal?.removeEventListener('abort', onAbort);
        job.resolve = (reply) => {
          cleanup();
          resolve(reply);
        };
        job.reject = (error) => {
          cleanup();
          reject(error);
        };
        queue.push(job);
        void pump();
      });
    },
    async close() {
      fail(new ModbusReadError('closed'));
      await link?.close();
    },
  };
}
