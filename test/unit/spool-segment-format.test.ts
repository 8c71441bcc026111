import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeMarker,
  decodeRecord,
  encodeMarker,
  encodeRecord,
  MARKER_BYTES,
  RECORD_HEADER_BYTES,
  SEGMENT_MAGIC,
  scanSegment,
} from '../../server/spool/segment-format.ts';

const payload = (text: string) => Buffer.from(text, 'utf8');
const segment = (...records: Buffer[]) => Buffer.concat([SEGMENT_MAGIC, ...records]);
const r1 = encodeRecord(payload('[1,2,3]'), 3, 1_000);
const r2 = encodeRecord(payload('{"x":"é"}'), 1, 2_000.5);
const r3 = encodeRecord(Buffer.alloc(0), 0, 3_000);

test('records round-trip: header fields, payload, offsets', () => {
  const file = segment(r1, r2, r3);
  const scan = scanSegment(file);
  assert.equal(scan.problem, undefined);
  assert.equal(scan.end, file.length);
  assert.deepEqual(scan.records, [
    { offset: 8, size: r1.length, rows: 3, at: 1_000 },
    { offset: 8 + r1.length, size: r2.length, rows: 1, at: 2_000.5 },
    { offset: 8 + r1.length + r2.length, size: RECORD_HEADER_BYTES, rows: 0, at: 3_000 },
  ]);
  for (const [i, text] of ['[1,2,3]', '{"x":"é"}', ''].entries()) {
    const { offset, size } = scan.records[i]!;
    const decoded = decodeRecord(file.subarray(offset, offset + size));
    assert.ok('payload' in decoded);
    assert.equal(decoded.payload.toString('utf8'), text);
  }
});

test('a segment with no record, or cut inside its magic, is empty and fine', () => {
  for (const bytes of [SEGMENT_MAGIC, Buffer.alloc(0), SEGMENT_MAGIC.subarray(0, 5)]) {
    assert.deepEqual(scanSegment(bytes), { records: [], end: bytes.length === 8 ? 8 : 0 });
  }
});

/** Damage of every kind: the good records before it are kept, the rest is reported and left unread. */
const damaged: [string, Buffer, number, RegExp][] = [
  ['torn header (a crash mid-append)', segment(r1, r2.subarray(0, 11)), 1, /torn record header/],
  ['torn payload', segment(r1, r2.subarray(0, r2.length - 1)), 1, /torn record \(\d+ of \d+ bytes\)/],
  ['payload bit flip', segment(r1, flip(r2, RECORD_HEADER_BYTES + 2), r3), 1, /checksum mismatch/],
  ['rows field flip', segment(flip(r1, 8), r2), 0, /checksum mismatch/],
  ['length field flip (beyond the file)', segment(r1, flip(r2, 2)), 1, /torn record|implausible/],
  ['implausible length', segment(r1, Buffer.from([0xff, 0xff, 0xff, 0xff, ...new Array(16).fill(0)])), 1, /implausible record length/],
  ['zeros after the records (a preallocated tail)', segment(r1, Buffer.alloc(40)), 1, /checksum mismatch/],
  ['another file', Buffer.from('hello, world'), 0, /bad magic/],
];

for (const [name, bytes, good, problem] of damaged) {
  test(`damage is detected, not fatal: ${name}`, () => {
    const scan = scanSegment(bytes);
    assert.equal(scan.records.length, good);
    assert.match(scan.problem ?? '', problem);
    assert.equal(scan.end, good === 0 ? (bytes.subarray(0, 8).equals(SEGMENT_MAGIC) ? 8 : 0) : 8 + r1.length);
  });
}

test('decodeRecord refuses a short, a mis-sized or a flipped frame', () => {
  assert.match((decodeRecord(r1.subarray(0, 10)) as { problem: string }).problem, /shorter than a record header/);
  assert.match((decodeRecord(Buffer.concat([r1, Buffer.from([0])])) as { problem: string }).problem, /length field says/);
  assert.match((decodeRecord(flip(r1, 13)) as { problem: string }).problem, /checksum/);
});

test('the committed marker: fixed width, checked; torn or altered reads as none', () => {
  const m = encodeMarker(42, 7);
  assert.equal(m.length, MARKER_BYTES);
  assert.deepEqual(decodeMarker(m), { seq: 42, count: 7 });
  assert.equal(encodeMarker(999_999_999_999, 999_999_999).length, MARKER_BYTES);
  assert.equal(decodeMarker(m.subarray(0, 20)), undefined, 'torn');
  assert.equal(decodeMarker(Buffer.from(m.toString().replace('000000007', '000000009'))), undefined, 'a larger count is never read from damage');
  assert.equal(decodeMarker(Buffer.alloc(0)), undefined);
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x40;
  return copy;
}
