import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../lib/modbus/codec.ts';
import type { TagConfig } from '../../lib/plant/schema.ts';
import { handlePdu, type ModbusMemory } from '../../server/simulator/modbus-pdu.ts';
import { createRegisterImage } from '../../server/simulator/register-image.ts';
import { flakyFault, FLAKY_DELAY_MAX_MS, FLAKY_DELAY_MIN_MS } from '../../server/simulator/request-faults.ts';
import { seededRandom } from '../../server/simulator/signal-models.ts';

const tag = (t: Partial<TagConfig> & Pick<TagConfig, 'name' | 'area' | 'address' | 'type'>): TagConfig =>
  ({ wordOrder: 'ABCD', scale: 1, offset: 0, unit: '', decimals: 1, ...t }) as TagConfig;

const tags = [
  tag({ name: 'running', area: 'coil', address: 0, type: 'bool' }),
  tag({ name: 'fault', area: 'coil', address: 1, type: 'bool' }),
  tag({ name: 'door', area: 'discrete', address: 3, type: 'bool' }),
  tag({ name: 'level', area: 'holding', address: 6, type: 'float32', wordOrder: 'CDAB' }),
  tag({ name: 'count', area: 'holding', address: 2, type: 'uint32' }),
  tag({ name: 'torque', area: 'holding', address: 20, type: 'int16', scale: 0.1 }),
  tag({ name: 'alarm-a', area: 'holding', address: 30, type: 'bool', bit: 0 }),
  tag({ name: 'alarm-b', area: 'holding', address: 30, type: 'bool', bit: 5 }),
  tag({ name: 'printer', area: 'input', address: 0, type: 'int16', scale: 0.1 }),
];
const byName = (name: string) => tags.find((t) => t.name === name)!;

function image(): ReturnType<typeof createRegisterImage> {
  const img = createRegisterImage(tags);
  img.setTag(byName('running'), 1);
  img.setTag(byName('door'), 1);
  img.setTag(byName('level'), 68.25);
  img.setTag(byName('count'), 123_456);
  img.setTag(byName('torque'), -18.2);
  img.setTag(byName('alarm-b'), 1);
  img.setTag(byName('printer'), 38.4);
  return img;
}

const pdu = (...bytes: number[]) => Buffer.from(bytes);
const read = (fc: number, address: number, quantity: number) => pdu(fc, address >> 8, address & 0xff, quantity >> 8, quantity & 0xff);
const words = (res: Buffer) => Array.from({ length: res[1]! / 2 }, (_, i) => res.readUInt16BE(2 + i * 2));
const hex = (b: Buffer) => b.toString('hex');

test('reads: registers decode to the values the model stored, bits are packed LSB first', () => {
  const img = image();
  const holding = words(handlePdu(read(3, 0, 32), img));
  assert.equal(decode(holding, 6, byName('level')), 68.25);
  assert.equal(decode(holding, 2, byName('count')), 123_456);
  assert.ok(Math.abs(decode(holding, 20, byName('torque')) - -18.2) < 1e-9);
  assert.equal(holding[30], 1 << 5);
  const input = words(handlePdu(read(4, 0, 1), img));
  assert.ok(Math.abs(decode(input, 0, byName('printer')) - 38.4) < 1e-9);
  assert.equal(hex(handlePdu(read(1, 0, 2), img)), '010101');
  assert.equal(hex(handlePdu(read(2, 0, 10), img)), '02020800');
  assert.equal(hex(handlePdu(read(3, 9999, 1), img)), '03020000');
});

test('exceptions: 01 unknown function, 03 bad quantity or shape, 02 outside memory (in that order)', () => {
  const img = image();
  const table: [string, Buffer, string][] = [
    ['unknown function', pdu(0x2b, 0x0e, 0x01, 0x00), 'ab01'],
    ['FC03 quantity 0', read(3, 0, 0), '8303'],
    ['FC03 quantity 126', read(3, 0, 126), '8303'],
    ['FC03 quantity 126 at the end', read(3, 9999, 126), '8303'],
    ['FC04 quantity 200', read(4, 0, 200), '8403'],
    ['FC01 quantity 2001', read(1, 0, 2001), '8103'],
    ['FC02 quantity 0', read(2, 0, 0), '8203'],
    ['FC03 short PDU', pdu(3, 0, 0, 0), '8303'],
    ['FC03 long PDU', pdu(3, 0, 0, 0, 1, 9), '8303'],
    ['FC03 past the end', read(3, 9999, 2), '8302'],
    ['FC03 far past the end', read(3, 60_000, 10), '8302'],
    ['FC04 past the end', read(4, 9_990, 11), '8402'],
    ['FC01 past the end', read(1, 9_999, 2), '8102'],
    ['FC02 past the end', read(2, 10_000, 1), '8202'],
    ['FC05 bad value', pdu(5, 0, 0, 0x12, 0x34), '8503'],
    ['FC05 past the end', pdu(5, 0x27, 0x10, 0xff, 0), '8502'],
    ['FC06 past the end', pdu(6, 0x27, 0x10, 0, 1), '8602'],
    ['FC15 byte count mismatch', pdu(15, 0, 0, 0, 9, 1, 0xff), '8f03'],
    ['FC16 quantity 124', Buffer.concat([pdu(16, 0, 0, 0, 124, 248), Buffer.alloc(248)]), '9003'],
    ['FC16 byte count mismatch', pdu(16, 0, 0, 0, 2, 2, 0, 1), '9003'],
    ['FC16 past the end', pdu(16, 0x27, 0x0f, 0, 2, 4, 0, 1, 0, 2), '9002'],
    ['empty PDU', pdu(), '8001'],
  ];
  for (const [name, req, expected] of table) assert.equal(hex(handlePdu(req, img)), expected, name);
  // The memory is untouched by refused writes.
  assert.deepEqual(img.forced(), []);
});

test('a memory that throws costs one request exception 04, never the server', () => {
  const broken: ModbusMemory = { size: () => 10, read: () => assert.fail('boom'), write: () => {} };
  assert.equal(hex(handlePdu(read(3, 0, 1), broken)), '8304');
});

test('writes echo the request and force the tags they touch; the model no longer moves them', () => {
  const img = image();
  // FC16: float 123.5 (CDAB) into level.
  const regs = [0, 0x42f7]; // 123.5 = 0x42F70000, words swapped for CDAB
  const req = pdu(16, 0, 6, 0, 2, 4, regs[0]! >> 8, regs[0]! & 0xff, regs[1]! >> 8, regs[1]! & 0xff);
  assert.equal(hex(handlePdu(req, img)), '1000060002');
  img.setTag(byName('level'), 50);
  assert.equal(decode(words(handlePdu(read(3, 6, 2), img)), 0, byName('level')), 123.5);
  // FC06 into one word of a 32-bit tag forces it too; a register no tag owns forces nothing.
  assert.equal(hex(handlePdu(pdu(6, 0, 3, 0, 7), img)), '0600030007');
  assert.equal(hex(handlePdu(pdu(6, 0, 100, 0xab, 0xcd), img)), '060064abcd');
  assert.equal(words(handlePdu(read(3, 100, 1), img))[0], 0xabcd);
  // FC05 / FC15 on coils.
  assert.equal(hex(handlePdu(pdu(5, 0, 0, 0, 0), img)), '0500000000');
  img.setTag(byName('running'), 1);
  assert.equal(hex(handlePdu(read(1, 0, 2), img)), '010100');
  assert.equal(hex(handlePdu(pdu(15, 0, 1, 0, 1, 1, 1), img)), '0f00010001');
  assert.equal(hex(handlePdu(read(1, 0, 2), img)), '010102');
  // A write to a register holding bool bits forces every bool in it.
  handlePdu(pdu(6, 0, 30, 0, 1), img);
  img.setTag(byName('alarm-b'), 1);
  assert.equal(words(handlePdu(read(3, 30, 1), img))[0], 1);
  assert.deepEqual(img.forced().sort(), ['alarm-a', 'alarm-b', 'count', 'fault', 'level', 'running']);
  // Unforced tags keep moving.
  img.setTag(byName('torque'), 12.3);
  assert.ok(Math.abs(decode(words(handlePdu(read(3, 20, 1), img)), 0, byName('torque')) - 12.3) < 1e-9);
});

test('memory grows to hold a tag beyond the default 10 000 addresses', () => {
  const img = createRegisterImage([tag({ name: 'far', area: 'input', address: 20_000, type: 'float32' })]);
  assert.equal(img.size('input'), 20_002);
  assert.equal(img.size('holding'), 10_000);
  img.setTag(tag({ name: 'far', area: 'input', address: 20_000, type: 'float32' }), 1.5);
  assert.equal(decode(words(handlePdu(read(4, 20_000, 2), img)), 0, { type: 'float32', wordOrder: 'ABCD', scale: 1, offset: 0 }), 1.5);
});

test('flaky faults: about 20 % dropped, 20 % delayed by 0.5–3 s, the rest answered', () => {
  const random = seededRandom(9);
  const n = 10_000;
  const faults = Array.from({ length: n }, () => flakyFault(random));
  const share = (kind: string) => faults.filter((f) => f.kind === kind).length / n;
  assert.ok(Math.abs(share('drop') - 0.2) < 0.02, `drop ${share('drop')}`);
  assert.ok(Math.abs(share('delay') - 0.2) < 0.02, `delay ${share('delay')}`);
  assert.ok(Math.abs(share('answer') - 0.6) < 0.02, `answer ${share('answer')}`);
  for (const f of faults) if (f.kind === 'delay') assert.ok(f.ms >= FLAKY_DELAY_MIN_MS && f.ms <= FLAKY_DELAY_MAX_MS);
});
