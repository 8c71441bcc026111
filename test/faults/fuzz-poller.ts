import { createServer, type Socket } from 'node:net';
import { ModbusReadError } from '../../lib/errors.ts';
import { exceptionReason, openModbusSession, type ModbusSession } from '../../server/poller/modbus-session.ts';
import { createPrng, memoryAfterGc, type MemoryFigure, type Prng } from './fuzz-kit.ts';

/**
 * Fuzz of the poller's reply handling: the real `openModbusSession` (modbus-serial's TCP client,
 * the MBAP guard, the session's checks) on real loopback sockets, against fuzz servers that
 * answer every request with a generated reply — valid, split across segments, an exception,
 * a stale transaction's reply before the right one, a valid reply with junk behind it, or a
 * mutated reply (protocol id, length, unit id, function code, byte count, truncated, extra
 * bytes, a flipped byte, random bytes). Sessions are opened directly (no backoff); after any
 * reply that is not well-formed the server ends the connection, so no case waits for a timeout.
 *
 * The oracle, per request, from the bytes actually sent (not from the mutation's name):
 * - A reply is well-formed for the request when it is exactly one frame with the request's
 *   transaction id, protocol id 0, `length` = PDU length + 1, the request's unit id, its
 *   function code and the byte count the quantity implies. A well-formed reply MUST be
 *   accepted, with exactly its values.
 * - A well-formed exception reply (function code | 0x80, one code byte) MUST be rejected with
 *   that exception's reason (`exception 02 (illegal data address)`), the connection kept.
 * - A well-formed reply with junk behind it in the same segment: either outcome, but values
 *   only if they are the reply's.
 * - Unit id 0 or 255 in the reply (the guard's leniency for gateways): either outcome, but
 *   values only if they are the reply's.
 * - Anything else: the values must NOT be accepted (any rejection reason will do).
 * - A read that resolves must have a request behind it that the server saw, and values equal
 *   to one of that request's acceptable value lists: no good sample ever carries a wrong value.
 * Decoding of register words into tag values (lib/modbus/codec.ts) is pure and table-tested;
 * it is not fuzzed here: what reaches it is the word list this checks.
 */

const LANES = 8;
/** Generous: the machine is shared; no case here needs a timeout to end. */
const TIMEOUT_MS = 3000;

export interface PollerFuzzOptions {
  frames: number;
  seed: number;
  log?: (line: string) => void;
}

export interface PollerFuzzResult {
  seed: number;
  frames: number;
  seconds: number;
  accepted: number;
  /** Well-formed exception replies rejected with the right reason, by code (hex). */
  exceptions: Record<string, number>;
  /** Rejections by reason class (`bad reply`, `closed`, `timeout`, …). */
  rejected: Record<string, number>;
  /** Replies by generated class. */
  classes: Record<string, number>;
  sessions: number;
  crashes: number;
  failures: string[];
  memoryStart: MemoryFigure;
  memoryEnd: MemoryFigure;
  heapGrowthMb: number;
}

type Area = 'holding' | 'input' | 'coil' | 'discrete';
const fcOf: Record<Area, number> = { coil: 0x01, discrete: 0x02, holding: 0x03, input: 0x04 };

interface Request {
  tid: number;
  unit: number;
  fc: number;
  quantity: number;
}

/** What the server sent for one request, and what the session may make of it. */
interface Sent {
  label: string;
  bytes: Buffer;
  acceptable: number[][];
  mustAccept: boolean;
  exception?: number;
}

function frame(tid: number, unit: number, pdu: Buffer, protocol = 0, length = pdu.length + 1): Buffer {
  const out = Buffer.alloc(7 + pdu.length);
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(protocol, 2);
  out.writeUInt16BE(length & 0xffff, 4);
  out[6] = unit;
  pdu.copy(out, 7);
  return out;
}

const bitsArea = (fc: number) => fc === 0x01 || fc === 0x02;
const byteCountFor = (req: Request) => (bitsArea(req.fc) ? Math.ceil(req.quantity / 8) : req.quantity * 2);

function valuesOf(req: Request, data: Buffer): number[] {
  return Array.from({ length: req.quantity }, (_, i) => (bitsArea(req.fc) ? (data[i >> 3]! >> (i & 7)) & 1 : data.readUInt16BE(i * 2)));
}

/** The verdict for bytes that are meant as the one reply to `req` (see the oracle above). */
function judgeReply(bytes: Buffer, req: Request): Pick<Sent, 'acceptable' | 'mustAccept' | 'exception'> {
  const bad = { acceptable: [], mustAccept: false };
  if (bytes.length < 9) return bad;
  const length = bytes.readUInt16BE(4);
  if (bytes.readUInt16BE(0) !== req.tid || bytes.readUInt16BE(2) !== 0 || bytes.length < 6 + length) return bad;
  if (bytes.length > 6 + length) {
    // A well-formed reply with junk behind it: its values may be taken, or the whole refused.
    const first = judgeReply(bytes.subarray(0, 6 + length), req);
    return { acceptable: first.acceptable, mustAccept: false };
  }
  const unit = bytes[6]!;
  const strict = unit === req.unit;
  if (!strict && unit !== 0 && unit !== 255) return bad;
  const fc = bytes[7]!;
  if (fc === (req.fc | 0x80) && length === 3) return strict ? { acceptable: [], mustAccept: false, exception: bytes[8]! } : bad;
  const count = byteCountFor(req);
  if (fc !== req.fc || bytes[8] !== count || length !== 3 + count) return bad;
  return { acceptable: [valuesOf(req, bytes.subarray(9))], mustAccept: strict };
}

const replyMutations = [
  'protocol id',
  'length',
  'unit id',
  'function code',
  'byte count',
  'truncated',
  'extra bytes',
  'byte flip',
  'random bytes',
  'wrong transaction id',
] as const;

/** One reply for `req`: the bytes to send (as segments) and whether to end the connection after. */
function generateReply(r: Prng, req: Request): { segments: Buffer[]; sent: Sent; end: boolean } {
  const count = byteCountFor(req);
  const data = r.bytes(count);
  if (bitsArea(req.fc) && req.quantity % 8 !== 0) data[count - 1]! &= (1 << (req.quantity % 8)) - 1;
  const valid = frame(req.tid, req.unit, Buffer.concat([Buffer.from([req.fc, count]), data]));
  const good = (label: string, segments: Buffer[]) => ({
    segments,
    sent: { label, bytes: Buffer.concat(segments), acceptable: [valuesOf(req, data)], mustAccept: true },
    end: false,
  });
  const p = r.next();
  if (p < 0.45) return good('valid', [valid]);
  if (p < 0.55) {
    const cut = r.int(1, valid.length - 1);
    const cut2 = r.chance(0.5) && cut < valid.length - 1 ? r.int(cut + 1, valid.length - 1) : valid.length;
    return good(
      'valid, split across segments',
      [valid.subarray(0, cut), valid.subarray(cut, cut2), valid.subarray(cut2)].filter((s) => s.length > 0),
    );
  }
  if (p < 0.63) {
    const code = r.pick([1, 2, 3, 4, 5, 6, 8, 10, 11, r.int(0, 255)]);
    const bytes = frame(req.tid, req.unit, Buffer.from([req.fc | 0x80, code]));
    return { segments: [bytes], sent: { label: 'exception', bytes, acceptable: [], mustAccept: false, exception: code }, end: false };
  }
  if (p < 0.68) {
    // Another transaction's well-formed reply (other data) first, then the right one.
    let tid = r.int(0, 0xffff);
    if (tid === req.tid) tid ^= 1;
    const stale = frame(tid, req.unit, Buffer.concat([Buffer.from([req.fc, count]), r.bytes(count)]));
    const segments = r.chance(0.5) ? [Buffer.concat([stale, valid])] : [stale, valid];
    return good('stale transaction, then valid', segments);
  }
  if (p < 0.72) {
    const bytes = Buffer.concat([valid, r.bytes(r.int(1, 12))]);
    return { segments: [bytes], sent: { label: 'valid + junk behind', bytes, acceptable: [valuesOf(req, data)], mustAccept: false }, end: true };
  }
  const kind = r.pick(replyMutations);
  let bytes: Buffer = Buffer.from(valid);
  switch (kind) {
    case 'protocol id':
      bytes.writeUInt16BE(r.int(1, 0xffff), 2);
      break;
    case 'length':
      bytes.writeUInt16BE((bytes.readUInt16BE(4) + r.pick([-2, -1, 1, 2, r.int(1, 0xffff)])) & 0xffff, 4);
      break;
    case 'unit id':
      bytes[6] = r.int(0, 255);
      break;
    case 'function code':
      bytes[7] = r.pick([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0f, 0x10, 0x81, 0x82, 0x83, 0x84, r.int(0, 255)]);
      break;
    case 'byte count':
      bytes[8] = r.int(0, 255);
      if (r.chance(0.5)) {
        // Consistent length and data for the wrong count: only the count gives it away.
        const n = bytes[8]!;
        bytes = frame(req.tid, req.unit, Buffer.concat([Buffer.from([req.fc, n]), r.bytes(n)]));
      }
      break;
    case 'truncated':
      bytes = bytes.subarray(0, r.int(1, bytes.length - 1));
      break;
    case 'extra bytes': {
      const extra = r.bytes(r.int(1, 8));
      bytes = Buffer.concat([bytes, extra]);
      if (r.chance(0.7)) bytes.writeUInt16BE(bytes.length - 6, 4);
      break;
    }
    case 'byte flip':
      bytes[r.int(0, bytes.length - 1)] = r.int(0, 255);
      break;
    case 'random bytes':
      bytes = r.bytes(r.int(1, 64));
      break;
    default:
      bytes.writeUInt16BE((req.tid + r.int(1, 0xfffe)) & 0xffff, 0);
  }
  const verdict = judgeReply(bytes, req);
  const wellFormed = verdict.mustAccept || verdict.exception !== undefined;
  // A reply that is not well-formed ends the connection, so the session never waits on a timeout.
  return { segments: [bytes], sent: { label: `mutated: ${kind}`, bytes, ...verdict }, end: !wellFormed };
}

interface FuzzServer {
  port: number;
  /** Replies sent so far, and the last one (only the last is kept: memory stays flat). */
  count: number;
  last: Sent | undefined;
  close(): void;
}

/** A TCP server answering each request (read requests, as the session sends them) with a generated reply. */
function startFuzzServer(r: Prng): Promise<FuzzServer> {
  const sockets = new Set<Socket>();
  const server = createServer((sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let busy = Promise.resolve();
    /** Ended after a reply that is not well-formed: requests after that are not answered. */
    let ended = false;
    sock.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 12) {
        const n = 6 + pending.readUInt16BE(4);
        if (pending.length < n) break;
        const f = pending.subarray(0, n);
        pending = pending.subarray(n);
        const req: Request = { tid: f.readUInt16BE(0), unit: f[6]!, fc: f[7]!, quantity: f.readUInt16BE(10) };
        busy = busy.then(async () => {
          if (sock.destroyed || ended) return;
          const reply = generateReply(r, req);
          handle.count++;
          handle.last = reply.sent;
          for (const [i, seg] of reply.segments.entries()) {
            sock.write(seg);
            if (i < reply.segments.length - 1) await new Promise((res) => (r.chance(0.5) ? setImmediate(res) : setTimeout(res, 1)));
          }
          if (reply.end) {
            ended = true;
            sock.end();
          }
        });
      }
    });
    sock.on('error', () => {});
  });
  const handle: FuzzServer = {
    port: 0,
    count: 0,
    last: undefined,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      handle.port = (server.address() as { port: number }).port;
      resolve(handle);
    }),
  );
}

const hex = (b: Buffer) => (b.length > 40 ? `${b.subarray(0, 40).toString('hex')}… (${b.length} bytes)` : b.toString('hex'));
const sameValues = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const reasonClass = (reason: string) =>
  reason.startsWith('exception') ? 'exception (other)' : reason.startsWith('bad reply') ? 'bad reply' : reason.replace(/:.*/, '');

/** Runs the fuzz; findings are in `failures`, it never throws for one. */
export async function fuzzPoller(options: PollerFuzzOptions): Promise<PollerFuzzResult> {
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push(String((error as Error)?.stack ?? error));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const result: PollerFuzzResult = {
    seed: options.seed,
    frames: 0,
    seconds: 0,
    accepted: 0,
    exceptions: {},
    rejected: {},
    classes: {},
    sessions: 0,
    crashes: 0,
    failures: [],
    memoryStart: memoryAfterGc(),
    memoryEnd: memoryAfterGc(),
    heapGrowthMb: 0,
  };
  const bump = (table: Record<string, number>, key: string) => {
    table[key] = (table[key] ?? 0) + 1;
  };
  const warmup = Math.min(2000, Math.floor(options.frames / 10));
  let measured = false;
  let issued = 0;
  let nextLog = 10_000;
  const servers: FuzzServer[] = [];

  const lane = async (index: number) => {
    const r = createPrng((options.seed + index * 0x9e3779b9) >>> 0);
    const fuzz = await startFuzzServer(createPrng((options.seed ^ (0x5bd1e995 * (index + 1))) >>> 0));
    servers.push(fuzz);
    const unit = index + 1;
    const open = async () => {
      result.sessions++;
      return openModbusSession({ host: '127.0.0.1', port: fuzz.port }, unit, TIMEOUT_MS);
    };
    let session: ModbusSession = await open();
    const fail = (sent: Sent | undefined, why: string) => {
      if (result.failures.length < 20) {
        result.failures.push(
          `lane ${index}, reply ${fuzz.count} (${sent?.label ?? 'none'}; seed ${options.seed}): ${why}${sent ? `; sent ${hex(sent.bytes)}` : ''}`,
        );
      }
    };
    while (result.frames < options.frames && issued < options.frames * 2) {
      issued++;
      if (!measured && issued >= warmup) {
        measured = true;
        result.memoryStart = memoryAfterGc();
      }
      const area = r.pick(['holding', 'input', 'coil', 'discrete'] as const);
      const max = fcOf[area] <= 0x02 ? 2000 : 125;
      const quantity = r.chance(0.7) ? r.int(1, Math.min(16, max)) : r.int(1, max);
      const before = fuzz.count;
      let values: number[] | undefined;
      let error: unknown;
      try {
        values = await session.read({ area, start: r.int(0, 65535 - quantity), quantity });
      } catch (e) {
        error = e;
      }
      const sent = fuzz.count > before ? fuzz.last : undefined;
      if (fuzz.count - before > 1) fail(sent, `${fuzz.count - before} replies for one read`);
      if (sent) {
        result.frames++;
        bump(result.classes, sent.label);
      }
      if (values) {
        result.accepted++;
        if (!sent) fail(sent, 'values with no reply sent');
        else if (!sent.acceptable.some((a) => sameValues(a, values)))
          fail(sent, `accepted values that the reply does not carry well-formed: ${values.slice(0, 8).join(',')}`);
      } else if (!(error instanceof ModbusReadError)) {
        fail(sent, `rejected with something else than a ModbusReadError: ${String(error)}`);
      } else if (sent?.exception !== undefined) {
        const want = exceptionReason(sent.exception);
        if (error.reason !== want) fail(sent, `exception reply reported as "${error.reason}", expected "${want}"`);
        else bump(result.exceptions, sent.exception.toString(16).padStart(2, '0'));
        if (session.closed.aborted) fail(sent, 'an exception reply closed the connection');
      } else {
        bump(result.rejected, reasonClass(error.reason));
        if (sent?.mustAccept) fail(sent, `a well-formed reply was rejected: ${error.reason}`);
      }
      if (session.closed.aborted) {
        session.destroy();
        session = await open();
      }
      if (issued >= nextLog) {
        nextLog += 10_000;
        options.log?.(`  poller fuzz: ${issued} replies, ${result.failures.length} failures`);
      }
      if (crashes.length > 0) break;
    }
    session.destroy();
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
  result.seconds = (performance.now() - started) / 1000;
  result.memoryEnd = memoryAfterGc();
  result.heapGrowthMb = result.memoryEnd.heapMb - result.memoryStart.heapMb;
  for (const s of servers) s.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  result.crashes = crashes.length;
  for (const c of crashes.slice(0, 5)) result.failures.push(`crash: ${c}`);
  return result;
}
