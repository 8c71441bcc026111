import { connect, type Socket } from 'node:net';
import { MEMORY_SIZE } from '../../server/simulator/register-image.ts';
import { parseSimulatorSpec } from '../../server/simulator/simulator-spec.ts';
import { startSimulator } from '../../server/simulator/simulator.ts';
import { createPrng, memoryAfterGc, type MemoryFigure, type Prng } from './fuzz-kit.ts';

/**
 * Fuzz of the simulated PLC's Modbus TCP server (server/simulator/modbus-tcp-server.ts +
 * modbus-pdu.ts), through the real composition (`startSimulator`) on a real loopback socket.
 *
 * Each case is one or more request frames — valid, mutated valid, random bytes — written in one
 * segment or split across several. An oracle written from the specifications (Modbus Application
 * Protocol V1.1b3 §6 and the Messaging on TCP/IP Implementation Guide V1.0b §3.1.3/§4.4) says
 * what the server must answer, byte for byte, and whether it must close the connection:
 *
 * - Framing: a frame is the 7-byte MBAP header and `length − 1` PDU bytes. A length field
 *   outside 2…254 (unit id + 1…253 PDU bytes) means the stream cannot be framed any more: the
 *   server closes the connection (replies to the complete frames before it may or may not have
 *   left; what did arrive must be exactly those, in order). A protocol id ≠ 0 is not Modbus:
 *   the frame is discarded without an answer and the connection stays. A frame not complete
 *   yet is waited for (a truncated frame is indistinguishable from a slow one): the harness
 *   then half-closes, and every reply to the complete frames before it must still arrive.
 * - Unit id: 1 (the spec's), 0 and 255 are served; any other gets exception 0B.
 * - PDU checks in the spec's order: function code (01), quantity, value and PDU shape (03),
 *   address range against the 10 000-entry areas (02). Valid reads return the memory as the
 *   harness's own shadow copy has it (valid writes update the shadow and echo the request).
 *
 * The model animates one input register (9998, masked in comparisons); everything else in the
 * image changes only by the harness's writes.
 */

const UNIT = 1;
const SIZE = MEMORY_SIZE;
const MODEL_TAG = { area: 'input', address: 9998 } as const;
const SUPPORTED = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0f, 0x10]);
const LIMITS = { readBits: 2000, readRegisters: 125, writeBits: 1968, writeRegisters: 123 };
/** Simulators fuzzed side by side (each with its own connection): the run is latency-bound. */
const LANES = 4;
const EX = { function: 0x01, address: 0x02, value: 0x03, gateway: 0x0b } as const;

export interface SimulatorFuzzOptions {
  frames: number;
  seed: number;
  /** Progress lines (default none). */
  log?: (line: string) => void;
}

export interface SimulatorFuzzResult {
  seed: number;
  frames: number;
  cases: number;
  seconds: number;
  answered: number;
  /** Exception replies checked, by code (hex). */
  exceptions: Record<string, number>;
  ignored: number;
  serverCloses: number;
  halfCloses: number;
  /** Server closes that left replies to earlier complete frames unsent (allowed, counted). */
  shortBeforeClose: number;
  reconnects: number;
  crashes: number;
  failures: string[];
  memoryStart: MemoryFigure;
  memoryEnd: MemoryFigure;
  heapGrowthMb: number;
}

// ---------------------------------------------------------------------------------------------
// The oracle

interface Shadow {
  holding: Uint16Array;
  input: Uint16Array;
  coil: Uint8Array;
  discrete: Uint8Array;
}

/** An expected reply; bytes in `ignore` (ADU offsets) are not compared (the model's register). */
interface Expected {
  adu: Buffer;
  ignore?: [number, number];
  exception?: number;
}

type Answer = { pdu: Buffer; exception?: number; ignore?: [number, number] };

const exception = (fc: number, code: number): Answer => ({ pdu: Buffer.from([(fc | 0x80) & 0xff, code]), exception: code });

/** The response PDU the specification requires for `pdu` (applied to `mem` when it is a valid write). */
function specAnswer(pdu: Buffer, mem: Shadow): Answer {
  const fc = pdu[0]!;
  if (!SUPPORTED.has(fc)) return exception(fc, EX.function);
  const u16 = (at: number) => (pdu.length >= at + 2 ? pdu.readUInt16BE(at) : -1);
  const address = u16(1);
  const quantity = u16(3);
  if (fc <= 0x04) {
    const bits = fc <= 0x02;
    if (pdu.length !== 5 || quantity < 1 || quantity > (bits ? LIMITS.readBits : LIMITS.readRegisters)) return exception(fc, EX.value);
    if (address + quantity > SIZE) return exception(fc, EX.address);
    if (bits) {
      const src = fc === 0x01 ? mem.coil : mem.discrete;
      const out = Buffer.alloc(2 + Math.ceil(quantity / 8));
      out[0] = fc;
      out[1] = out.length - 2;
      for (let i = 0; i < quantity; i++) if (src[address + i]) out[2 + (i >> 3)]! |= 1 << (i & 7);
      return { pdu: out };
    }
    const src = fc === 0x03 ? mem.holding : mem.input;
    const out = Buffer.alloc(2 + quantity * 2);
    out[0] = fc;
    out[1] = quantity * 2;
    for (let i = 0; i < quantity; i++) out.writeUInt16BE(src[address + i]!, 2 + i * 2);
    let ignore: [number, number] | undefined;
    if (fc === 0x04 && address <= MODEL_TAG.address + 1 && address + quantity > MODEL_TAG.address) ignore = [2, out.length];
    return { pdu: out, ignore };
  }
  if (fc === 0x05 || fc === 0x06) {
    if (pdu.length !== 5) return exception(fc, EX.value);
    if (fc === 0x05 && quantity !== 0 && quantity !== 0xff00) return exception(fc, EX.value);
    if (address >= SIZE) return exception(fc, EX.address);
    if (fc === 0x05) mem.coil[address] = quantity === 0xff00 ? 1 : 0;
    else mem.holding[address] = quantity;
    return { pdu: Buffer.from(pdu) };
  }
  const byteCount = pdu.length >= 6 ? pdu[5]! : -1;
  const coils = fc === 0x0f;
  const ok = coils
    ? quantity >= 1 && quantity <= LIMITS.writeBits && byteCount === Math.ceil(quantity / 8)
    : quantity >= 1 && quantity <= LIMITS.writeRegisters && byteCount === quantity * 2;
  if (pdu.length < 6 || !ok || pdu.length !== 6 + byteCount) return exception(fc, EX.value);
  if (address + quantity > SIZE) return exception(fc, EX.address);
  for (let i = 0; i < quantity; i++) {
    if (coils) mem.coil[address + i] = (pdu[6 + (i >> 3)]! >> (i & 7)) & 1;
    else mem.holding[address + i] = pdu.readUInt16BE(6 + i * 2);
  }
  return { pdu: Buffer.from(pdu.subarray(0, 5)) };
}

function adu(tid: number, protocol: number, unit: number, pdu: Buffer, length = pdu.length + 1): Buffer {
  const out = Buffer.alloc(7 + pdu.length);
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(protocol, 2);
  out.writeUInt16BE(length & 0xffff, 4);
  out[6] = unit;
  pdu.copy(out, 7);
  return out;
}

interface Verdict {
  replies: Expected[];
  ignored: number;
  /** The server must close (a length field outside 2…254). */
  close: boolean;
  /** Bytes of an incomplete frame left at the end. */
  leftover: boolean;
}

/** What the server must do with `bytes` arriving on a fresh frame boundary. */
function judge(bytes: Buffer, mem: Shadow): Verdict {
  const verdict: Verdict = { replies: [], ignored: 0, close: false, leftover: false };
  let at = 0;
  while (bytes.length - at >= 7) {
    const length = bytes.readUInt16BE(at + 4);
    if (length < 2 || length > 254) {
      verdict.close = true;
      return verdict;
    }
    if (bytes.length - at < 6 + length) break;
    const frame = bytes.subarray(at, at + 6 + length);
    at += 6 + length;
    if (frame.readUInt16BE(2) !== 0) {
      verdict.ignored++;
      continue;
    }
    const tid = frame.readUInt16BE(0);
    const unit = frame[6]!;
    const pdu = frame.subarray(7);
    const answer = unit === UNIT || unit === 0 || unit === 255 ? specAnswer(pdu, mem) : exception(pdu[0]!, EX.gateway);
    const ignore = answer.ignore && ([answer.ignore[0] + 7, answer.ignore[1] + 7] as [number, number]);
    verdict.replies.push({ adu: adu(tid, 0, unit, answer.pdu), ignore, exception: answer.exception });
  }
  verdict.leftover = at < bytes.length;
  return verdict;
}

// ---------------------------------------------------------------------------------------------
// Frame generation

function validPdu(r: Prng): Buffer {
  const fc = r.pick([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0f, 0x10]);
  const small = r.chance(0.6);
  const qty = (max: number) => (small ? r.int(1, Math.min(10, max)) : r.int(1, max));
  const head = (address: number, value: number) => {
    const b = Buffer.alloc(5);
    b[0] = fc;
    b.writeUInt16BE(address, 1);
    b.writeUInt16BE(value, 3);
    return b;
  };
  switch (fc) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04: {
      const q = qty(fc <= 0x02 ? LIMITS.readBits : LIMITS.readRegisters);
      return head(r.int(0, SIZE - q), q);
    }
    case 0x05:
      return head(r.int(0, SIZE - 1), r.pick([0, 0xff00]));
    case 0x06:
      return head(r.int(0, SIZE - 1), r.int(0, 0xffff));
    case 0x0f: {
      const q = qty(LIMITS.writeBits);
      const bc = Math.ceil(q / 8);
      return Buffer.concat([head(r.int(0, SIZE - q), q), Buffer.from([bc]), r.bytes(bc)]);
    }
    default: {
      const q = qty(LIMITS.writeRegisters);
      return Buffer.concat([head(r.int(0, SIZE - q), q), Buffer.from([q * 2]), r.bytes(q * 2)]);
    }
  }
}

const pduMutations = [
  'quantity-over',
  'quantity-zero',
  'address-out',
  'function-unknown',
  'pdu-short',
  'pdu-long',
  'byte-count',
  'coil-value',
  'byte-flip',
] as const;
const frameMutations = ['unit', 'protocol', 'length-invalid', 'length-off', 'truncate', 'header-flip'] as const;
export type Mutation = (typeof pduMutations)[number] | (typeof frameMutations)[number];

function mutatePdu(r: Prng, src: Buffer, kind: (typeof pduMutations)[number]): Buffer {
  const pdu = Buffer.from(src);
  const fc = pdu[0]!;
  const limit = fc <= 0x02 ? LIMITS.readBits : fc <= 0x04 ? LIMITS.readRegisters : fc === 0x0f ? LIMITS.writeBits : LIMITS.writeRegisters;
  switch (kind) {
    case 'quantity-over':
      if (fc !== 0x05 && fc !== 0x06) pdu.writeUInt16BE(r.chance(0.5) ? limit + 1 : r.int(limit + 1, 0xffff), 3);
      else pdu.writeUInt16BE(r.int(1, 0xfeff), 3);
      return pdu;
    case 'quantity-zero':
      pdu.writeUInt16BE(0, 3);
      return pdu;
    case 'address-out': {
      const q = fc === 0x05 || fc === 0x06 ? 1 : pdu.readUInt16BE(3);
      pdu.writeUInt16BE(r.chance(0.5) ? SIZE - q + 1 : r.int(SIZE - q + 1, 0xffff), 1);
      return pdu;
    }
    case 'function-unknown': {
      let f = r.int(0, 255);
      while (SUPPORTED.has(f)) f = r.int(0, 255);
      pdu[0] = f;
      return pdu;
    }
    case 'pdu-short':
      return pdu.subarray(0, r.int(1, pdu.length - 1));
    case 'pdu-long':
      return Buffer.concat([pdu, r.bytes(Math.min(r.int(1, 4), 253 - pdu.length))]);
    case 'byte-count':
      if (pdu.length >= 6) pdu[5] = (pdu[5]! + r.int(1, 255)) & 0xff;
      return pdu;
    case 'coil-value':
      pdu[0] = 0x05;
      pdu.writeUInt16BE(r.pick([0x0001, 0x00ff, 0xffff, 0xff01, r.int(1, 0xfeff)]), 3);
      return pdu.subarray(0, 5);
    default:
      pdu[r.int(0, pdu.length - 1)] = r.int(0, 255);
      return pdu;
  }
}

interface Case {
  segments: Buffer[];
  frames: number;
  label: string;
}

function frameOf(r: Prng, mutate: boolean): { frame: Buffer; label: string } {
  const tid = r.int(0, 0xffff);
  let pdu = validPdu(r);
  if (!mutate) return { frame: adu(tid, 0, r.chance(0.9) ? UNIT : r.pick([0, 255]), pdu), label: 'valid' };
  const kind: Mutation = r.chance(0.6) ? r.pick(pduMutations) : r.pick(frameMutations);
  if ((pduMutations as readonly string[]).includes(kind)) {
    pdu = mutatePdu(r, pdu, kind as (typeof pduMutations)[number]);
    return { frame: adu(tid, 0, UNIT, pdu), label: kind };
  }
  const frame = adu(tid, 0, UNIT, pdu);
  switch (kind) {
    case 'unit':
      frame[6] = r.int(0, 255);
      break;
    case 'protocol':
      frame.writeUInt16BE(r.int(1, 0xffff), 2);
      break;
    case 'length-invalid':
      frame.writeUInt16BE(r.pick([0, 1, 255, r.int(255, 0xffff)]), 4);
      break;
    case 'length-off':
      frame.writeUInt16BE(Math.max(2, Math.min(254, pdu.length + 1 + r.pick([-3, -2, -1, 1, 2, 3, r.int(-250, 250)]))), 4);
      break;
    case 'truncate':
      return { frame: frame.subarray(0, r.int(1, frame.length - 1)), label: kind };
    default:
      frame[r.int(0, 6)] = r.int(0, 255);
  }
  return { frame, label: kind };
}

/** Split points inside `bytes`: 2…4 segments. */
function split(r: Prng, bytes: Buffer): Buffer[] {
  if (bytes.length < 2) return [bytes];
  const cuts = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.int(1, bytes.length - 1)))].sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length));
}

function generate(r: Prng): Case {
  const p = r.next();
  if (p < 0.4) {
    const { frame, label } = frameOf(r, false);
    return { segments: [frame], frames: 1, label };
  }
  if (p < 0.75) {
    const { frame, label } = frameOf(r, true);
    return { segments: [frame], frames: 1, label };
  }
  if (p < 0.85) {
    const parts = Array.from({ length: r.int(2, 10) }, () => frameOf(r, r.chance(0.3)).frame);
    return { segments: [Buffer.concat(parts)], frames: parts.length, label: 'several in one segment' };
  }
  if (p < 0.96) {
    const parts = Array.from({ length: r.int(1, 3) }, () => frameOf(r, r.chance(0.2)).frame);
    return { segments: split(r, Buffer.concat(parts)), frames: parts.length, label: 'split across segments' };
  }
  return { segments: [r.bytes(r.int(1, 300))], frames: 1, label: 'random bytes' };
}

// ---------------------------------------------------------------------------------------------
// The client side

interface Conn {
  sock: Socket;
  replies: Buffer[];
  closed: boolean;
  /** Resolves true when `n` replies are in, false on close or timeout. */
  waitReplies(n: number, ms: number): Promise<boolean>;
  waitClose(ms: number): Promise<boolean>;
}

function openConn(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, noDelay: true });
    let pending: Buffer = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    const conn: Conn = {
      sock,
      replies: [],
      closed: false,
      async waitReplies(n, ms) {
        const deadline = performance.now() + ms;
        while (conn.replies.length < n && !conn.closed && performance.now() < deadline) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.max(1, deadline - performance.now())).unref();
          });
        }
        return conn.replies.length >= n;
      },
      async waitClose(ms) {
        const deadline = performance.now() + ms;
        while (!conn.closed && performance.now() < deadline) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.max(1, deadline - performance.now())).unref();
          });
        }
        return conn.closed;
      },
    };
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 6 && pending.length >= 6 + pending.readUInt16BE(4)) {
        const n = 6 + pending.readUInt16BE(4);
        conn.replies.push(Buffer.from(pending.subarray(0, n)));
        pending = pending.subarray(n);
      }
      wake?.();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      conn.closed = true;
      wake?.();
    });
    sock.once('connect', () => resolve(conn));
    sock.once('error', reject);
  });
}

function same(actual: Buffer | undefined, expected: Expected): boolean {
  if (!actual || actual.length !== expected.adu.length) return false;
  for (let i = 0; i < actual.length; i++) {
    if (expected.ignore && i >= expected.ignore[0] && i < expected.ignore[1]) continue;
    if (actual[i] !== expected.adu[i]) return false;
  }
  return true;
}

const hex = (b: Buffer) => (b.length > 40 ? `${b.subarray(0, 40).toString('hex')}… (${b.length} bytes)` : b.toString('hex'));

/** Runs the fuzz; never throws for a finding (they are in `failures`). */
export async function fuzzSimulator(options: SimulatorFuzzOptions): Promise<SimulatorFuzzResult> {
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push(String((error as Error)?.stack ?? error));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const result: SimulatorFuzzResult = {
    seed: options.seed,
    frames: 0,
    cases: 0,
    seconds: 0,
    answered: 0,
    exceptions: {},
    ignored: 0,
    serverCloses: 0,
    halfCloses: 0,
    shortBeforeClose: 0,
    reconnects: 0,
    crashes: 0,
    failures: [],
    memoryStart: memoryAfterGc(),
    memoryEnd: memoryAfterGc(),
    heapGrowthMb: 0,
  };

  const check = (replies: Buffer[], expected: Expected[]): { why: string; index: number } | undefined => {
    for (const [i, e] of expected.entries()) {
      if (!same(replies[i], e)) return { why: `reply ${i}: expected ${hex(e.adu)}, got ${replies[i] ? hex(replies[i]) : 'nothing'}`, index: i };
    }
    if (replies.length > expected.length)
      return { why: `${replies.length - expected.length} unexpected replies (${hex(replies[expected.length]!)})`, index: expected.length };
    return undefined;
  };
  const count = (expected: Expected[]) => {
    for (const e of expected) {
      if (e.exception === undefined) result.answered++;
      else {
        const k = e.exception.toString(16).padStart(2, '0');
        result.exceptions[k] = (result.exceptions[k] ?? 0) + 1;
      }
    }
  };

  const started = performance.now();
  const warmup = Math.min(2000, Math.floor(options.frames / 10));
  let measured = false;
  let nextLog = 10_000;
  const sims: Awaited<ReturnType<typeof startSimulator>>[] = [];
  /** One simulator and one connection at a time, with its own PRNG and shadow memory. */
  const lane = async (index: number) => {
    const r = createPrng((options.seed + index * 0x9e3779b9) >>> 0);
    const spec = parseSimulatorSpec({
      lineId: 'fuzz',
      host: '127.0.0.1',
      port: 0,
      unitId: UNIT,
      scenario: 'normal',
      tags: [{ name: 'model', area: MODEL_TAG.area, address: MODEL_TAG.address, type: 'uint16' }],
    });
    const sim = await startSimulator(spec, { random: () => r.next() });
    sims.push(sim);
    const mem: Shadow = { holding: new Uint16Array(SIZE), input: new Uint16Array(SIZE), coil: new Uint8Array(SIZE), discrete: new Uint8Array(SIZE) };
    let conn = await openConn(sim.port);
    let probeTid = 0;
    while (result.frames < options.frames) {
      if (!measured && result.frames >= warmup) {
        measured = true;
        result.memoryStart = memoryAfterGc();
      }
      // A batch of cases written back to back (one wait for all their replies), ended early by a
      // case after which the connection closes.
      const batch: { no: number; c: Case; replies: number }[] = [];
      const expected: Expected[] = [];
      let ignored = 0;
      let ending: 'close' | 'leftover' | undefined;
      while (batch.length < 16 && result.frames < options.frames && !ending) {
        const c = generate(r);
        const verdict = judge(Buffer.concat(c.segments), mem);
        batch.push({ no: result.cases++, c, replies: verdict.replies.length });
        result.frames += c.frames;
        expected.push(...verdict.replies);
        ignored += verdict.ignored;
        if (verdict.close) ending = 'close';
        else if (verdict.leftover) ending = 'leftover';
      }
      const fail = (why: string, replyIndex?: number) => {
        let at = 0;
        let culprit = batch.at(-1)!;
        if (replyIndex !== undefined) {
          for (const b of batch) {
            culprit = b;
            if (replyIndex < (at += b.replies)) break;
          }
        }
        const { no, c } = culprit;
        if (result.failures.length < 20) {
          result.failures.push(
            `case ${no} (${c.label}; batch ${batch.map((b) => b.c.label).join(', ')}; seed ${options.seed}): ${why}; sent ${c.segments.map(hex).join(' | ')}`,
          );
        }
      };
      conn.replies = [];
      for (const { c } of batch) {
        for (const [i, seg] of c.segments.entries()) {
          conn.sock.write(seg);
          // Apart in time, so they reach the server as separate reads (mostly).
          if (i < c.segments.length - 1) await new Promise((res) => (r.chance(0.5) ? setImmediate(res) : setTimeout(res, 1)));
        }
      }
      if (ending === 'close') {
        result.serverCloses++;
        if (!(await conn.waitClose(3000))) fail('a length outside 2…254 did not close the connection');
        const got = Math.min(conn.replies.length, expected.length);
        const bad = check(conn.replies, expected.slice(0, got));
        if (bad) fail(bad.why, bad.index);
        if (got < expected.length) result.shortBeforeClose++;
        count(expected.slice(0, got));
      } else if (ending === 'leftover') {
        // An incomplete frame at the end: half-close; the replies before it must all come.
        result.halfCloses++;
        conn.sock.end();
        if (!(await conn.waitClose(3000))) fail('no close after the client half-closed');
        const bad = check(conn.replies, expected);
        if (bad) fail(bad.why, bad.index);
        count(expected);
      } else {
        // Frames that must not be answered: a probe behind them proves they were not.
        const all = [...expected];
        if (ignored > 0 || r.chance(0.05)) {
          probeTid = (probeTid + 1) & 0xffff;
          const probe = adu(probeTid, 0, UNIT, Buffer.from([0x03, 0, 0, 0, 1]));
          all.push({ adu: adu(probeTid, 0, UNIT, specAnswer(probe.subarray(7), mem).pdu) });
          conn.sock.write(probe);
        }
        result.ignored += ignored;
        await conn.waitReplies(all.length, 3000);
        if (conn.closed) fail('the server closed a connection it had no reason to close');
        else {
          const bad = check(conn.replies, all);
          if (bad) fail(bad.why, bad.index);
        }
        count(expected);
      }
      if (conn.closed || ending) {
        if (!conn.closed) conn.sock.destroy();
        conn = await openConn(sim.port);
        result.reconnects++;
      }
      if (result.frames >= nextLog) {
        nextLog += 10_000;
        options.log?.(`  simulator fuzz: ${result.frames} frames, ${result.failures.length} failures`);
      }
      if (crashes.length > 0) break;
    }
    conn.sock.destroy();
  };
  await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
  result.seconds = (performance.now() - started) / 1000;
  result.memoryEnd = memoryAfterGc();
  result.heapGrowthMb = result.memoryEnd.heapMb - result.memoryStart.heapMb;
  for (const sim of sims) {
    // Still serving after all that: one last valid read.
    const last = await openConn(sim.port);
    last.sock.write(adu(1, 0, UNIT, Buffer.from([0x03, 0, 0, 0, 10])));
    if (!(await last.waitReplies(1, 3000))) result.failures.push(`simulator on port ${sim.port} does not answer after the run`);
    last.sock.destroy();
    await sim.close();
  }
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  result.crashes = crashes.length;
  for (const c of crashes.slice(0, 5)) result.failures.push(`crash: ${c}`);
  return result;
}
