import { crc32 } from 'node:zlib';

/**
 * The spool's segment file format, as pure functions (bytes in, records out).
 *
 *     segment = magic "LWSPOOL1" (8 bytes) · record*
 *     record  = length u32 · crc u32 · rows u32 · at f64 · payload (`length` bytes)
 *
 * Little-endian. `crc` is the CRC-32 (zlib's) of `rows`, `at` and the payload, so a torn or
 * flipped record is told from a good one; `rows` (how many rows the payload holds) and `at`
 * (epoch ms of its oldest row) let the spool count and date what it holds without decoding a
 * payload. A segment is only ever appended to, by one writer; a record is complete once its
 * last byte is written, so after a crash at most the last record of the last segment is torn.
 */
export const SEGMENT_MAGIC = Buffer.from('LWSPOOL1', 'latin1');
export const RECORD_HEADER_BYTES = 20;
/** A length field above this is damage, not a record (the spool writes records of a few hundred kB). */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Where one record sits in its segment and what it holds. */
export interface RecordInfo {
  /** Offset of its header in the segment file. */
  offset: number;
  /** Header and payload, bytes. */
  size: number;
  rows: number;
  at: number;
}

export interface SegmentScan {
  /** Every good record, in file order. */
  records: RecordInfo[];
  /** Offset just past the last good record: the readable part of the file. */
  end: number;
  /** Why the bytes from `end` on are not a record (a torn tail, damage), when there are any. */
  problem?: string;
}

function checksum(frame: Buffer): number {
  return crc32(frame.subarray(8));
}

/** One record, header and payload, ready to append. */
export function encodeRecord(payload: Buffer, rows: number, at: number): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`a spool record holds at most ${MAX_PAYLOAD_BYTES} bytes, not ${payload.length}`);
  const frame = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(rows, 8);
  frame.writeDoubleLE(at, 12);
  payload.copy(frame, RECORD_HEADER_BYTES);
  frame.writeUInt32LE(checksum(frame), 4);
  return frame;
}

/** The payload of one whole record (as read back at its offset and size), or why it is not a good one. */
export function decodeRecord(frame: Buffer): { payload: Buffer } | { problem: string } {
  if (frame.length < RECORD_HEADER_BYTES) return { problem: `${frame.length} bytes, shorter than a record header` };
  const length = frame.readUInt32LE(0);
  if (frame.length !== RECORD_HEADER_BYTES + length) return { problem: `length field says ${length} bytes, ${frame.length - RECORD_HEADER_BYTES} follow` };
  if (frame.readUInt32LE(4) !== checksum(frame)) return { problem: 'checksum mismatch' };
  return { payload: frame.subarray(RECORD_HEADER_BYTES) };
}

/**
 * Walks a whole segment file and checks every record. Reading stops at the first bytes that
 * are not a good record: from there on lengths cannot be trusted, so nothing after it is read.
 */
export function scanSegment(bytes: Buffer): SegmentScan {
  if (bytes.length < SEGMENT_MAGIC.length || !bytes.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    // A file cut before its magic was written completely is just an empty segment.
    const torn = bytes.length < SEGMENT_MAGIC.length && SEGMENT_MAGIC.subarray(0, bytes.length).equals(bytes);
    return { records: [], end: 0, ...(!torn && { problem: 'not a spool segment (bad magic)' }) };
  }
  const records: RecordInfo[] = [];
  let offset = SEGMENT_MAGIC.length;
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER_BYTES) return { records, end: offset, problem: `torn record header (${bytes.length - offset} bytes)` };
    const length = bytes.readUInt32LE(offset);
    if (length > MAX_PAYLOAD_BYTES) return { records, end: offset, problem: `implausible record length ${length}` };
    const size = RECORD_HEADER_BYTES + length;
    if (offset + size > bytes.length) return { records, end: offset, problem: `torn record (${bytes.length - offset} of ${size} bytes)` };
    const decoded = decodeRecord(bytes.subarray(offset, offset + size));
    if ('problem' in decoded) return { records, end: offset, problem: decoded.problem };
    records.push({ offset, size, rows: bytes.readUInt32LE(offset + 8), at: bytes.readDoubleLE(offset + 12) });
    offset += size;
  }
  return { records, end: offset };
}

/**
 * The committed-prefix marker: "the first `count` records of segment `seq` are written to the
 * database". Fixed width (rewritten in place) with its own checksum, so a torn write reads as
 * no marker (more is replayed; the writes are idempotent), never as a larger count.
 */
export const MARKER_BYTES = 32;

export function encodeMarker(seq: number, count: number): Buffer {
  const text = `${String(seq).padStart(12, '0')} ${String(count).padStart(9, '0')}`;
  return Buffer.from(`${text} ${crc32(text).toString(16).padStart(8, '0')}\n`, 'latin1');
}

export function decodeMarker(bytes: Buffer): { seq: number; count: number } | undefined {
  const m = /^(\d{12}) (\d{9}) ([0-9a-f]{8})\n$/.exec(bytes.toString('latin1'));
  if (!m || crc32(`${m[1]} ${m[2]}`) !== Number.parseInt(m[3]!, 16)) return undefined;
  return { seq: Number(m[1]), count: Number(m[2]) };
}
