import type { Duplex } from 'node:stream';
import { crcMatches, requestFrameLength, rtuFrame } from '../../lib/modbus/rtu-frame.ts';
import type { RequestFault } from './modbus-tcp-server.ts';

/**
 * A Modbus RTU server on a byte stream (a serial port, a pseudo-terminal, a gateway's TCP
 * socket): the devices of one bus, each unit id with its own PDU handler. Frames are delimited
 * as on the wire: a frame ends when the line has been quiet for `silenceMs` (t3.5); it is
 * served only when its length is the one its function code implies and its CRC matches, and
 * only by the device it names — others stay silent, as on a real bus. The reply goes out
 * after that silence, so frames on the line keep their gap.
 */

/** What to do with one reply: the TCP server's faults, plus two that only a serial line has. */
export type RtuReplyFault = RequestFault | { kind: 'bad-crc' } | { kind: 'split'; at: number; gapMs: number };

export interface ModbusRtuServerOptions {
  /** Request PDU → response PDU of each unit id on the bus; must not throw (see handlePdu). */
  devices: ReadonlyMap<number, (pdu: Buffer) => Buffer>;
  /** Quiet time that ends a frame, ms (interFrameSilenceMs of the line's settings). */
  silenceMs: number;
  /** Consulted once per request a device answers; default: answer at once. */
  fault?: (unitId: number, pdu: Buffer) => RtuReplyFault;
}

export interface ModbusRtuStats {
  /** Frames served by a device on the bus. */
  requests: number;
  answered: number;
  /** Valid frames for unit ids not on this bus (no answer, as on a real bus). */
  otherUnits: number;
  /** Frames dropped for a wrong CRC or length. */
  badFrames: number;
}

export interface ModbusRtuServer {
  stats(): ModbusRtuStats;
  /** Stops serving (the stream is the caller's); cancels held replies. A second call is harmless. */
  close(): void;
}

export function serveModbusRtu(stream: Duplex, options: ModbusRtuServerOptions): ModbusRtuServer {
  const stats: ModbusRtuStats = { requests: 0, answered: 0, otherUnits: 0, badFrames: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let pending: Buffer = Buffer.alloc(0);
  let lastRxAt = 0;
  let silence: NodeJS.Timeout | undefined;
  let closed = false;

  function later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  }

  function send(frame: Buffer, fault: RtuReplyFault) {
    stats.answered++;
    switch (fault.kind) {
      case 'drop':
        stats.answered--;
        return;
      case 'delay':
        later(fault.ms, () => stream.write(frame));
        return;
      case 'bad-crc':
        frame[frame.length - 1]! ^= 0xff;
        stream.write(frame);
        return;
      case 'split':
        stream.write(frame.subarray(0, fault.at));
        later(fault.gapMs, () => stream.write(frame.subarray(fault.at)));
        return;
      default:
        stream.write(frame);
    }
  }

  /** The line went quiet: what came since the last silence is one frame. */
  function endOfFrame() {
    const frame = pending;
    pending = Buffer.alloc(0);
    const length = requestFrameLength(frame);
    if (frame.length < 4 || !crcMatches(frame) || (typeof length === 'number' && length !== frame.length)) {
      stats.badFrames++;
      return;
    }
    const unitId = frame[0]!;
    const pdu = Buffer.from(frame.subarray(1, frame.length - 2));
    if (unitId === 0) {
      // Broadcast: every device executes it, none answers (a read makes no sense and is ignored).
      if (pdu[0] === 0x05 || pdu[0] === 0x06 || pdu[0] === 0x0f || pdu[0] === 0x10) for (const handle of options.devices.values()) handle(pdu);
      return;
    }
    const handle = options.devices.get(unitId);
    if (!handle) {
      stats.otherUnits++;
      return;
    }
    stats.requests++;
    const fault = options.fault?.(unitId, pdu) ?? { kind: 'answer' };
    send(rtuFrame(unitId, handle(pdu)), fault);
  }

  /** Timers may fire early: re-arm until the line has really been quiet long enough. */
  function checkSilence() {
    silence = undefined;
    const quietFor = performance.now() - lastRxAt;
    if (quietFor < options.silenceMs) {
      silence = setTimeout(checkSilence, options.silenceMs - quietFor);
      return;
    }
    if (!closed) endOfFrame();
  }

  const onData = (chunk: Buffer) => {
    lastRxAt = performance.now();
    // An RTU frame is at most 256 bytes: more without a silence is noise, kept bounded.
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]).subarray(-512);
    silence ??= setTimeout(checkSilence, options.silenceMs);
  };
  stream.on('data', onData);

  return {
    stats: () => ({ ...stats }),
    close() {
      if (closed) return;
      closed = true;
      stream.off('data', onData);
      clearTimeout(silence);
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
