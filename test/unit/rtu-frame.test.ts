import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  charTimeMs,
  crc16Modbus,
  crcMatches,
  expectedReplyLength,
  interFrameSilenceMs,
  parseRtuReply,
  requestFrameLength,
  rtuFrame,
} from '../../lib/modbus/rtu-frame.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('CRC-16/MODBUS: the catalogue check value and a textbook frame', () => {
  assert.equal(crc16Modbus(Buffer.from('123456789')), 0x4b37);
  // Read 10 holding registers from unit 1: the CRC goes out low byte first (C5 CD).
  assert.deepEqual(rtuFrame(1, hex('03 0000 000A')), hex('01 03 0000 000A C5CD'));
  assert.ok(crcMatches(hex('01 03 0000 000A C5CD')));
  assert.ok(!crcMatches(hex('01 03 0000 000A CDC5')), 'byte order matters');
  assert.ok(!crcMatches(hex('01 03 0000 000B C5CD')), 'a changed byte is caught');
});

test('character time and t3.5 follow the line settings; fixed 1.75 ms above 19 200 baud', () => {
  const line = (baudRate: number, parity: 'none' | 'even' = 'none', stopBits = 1) => ({ baudRate, parity, dataBits: 8, stopBits });
  assert.ok(Math.abs(charTimeMs(line(9600)) - 10 / 9.6) < 1e-9, '8N1: 10 bits');
  assert.ok(Math.abs(charTimeMs(line(9600, 'even')) - 11 / 9.6) < 1e-9, '8E1: 11 bits');
  assert.ok(Math.abs(charTimeMs(line(9600, 'none', 2)) - 11 / 9.6) < 1e-9, '8N2: 11 bits');
  assert.ok(Math.abs(interFrameSilenceMs(line(9600, 'even')) - (3.5 * 11) / 9.6) < 1e-9);
  assert.ok(Math.abs(interFrameSilenceMs(line(19_200, 'even')) - (3.5 * 11) / 19.2) < 1e-9);
  assert.equal(interFrameSilenceMs(line(38_400)), 1.75);
  assert.equal(interFrameSilenceMs(line(115_200)), 1.75);
});

test('expected reply lengths by function code', () => {
  assert.equal(expectedReplyLength(hex('03 0000 000A')), 25);
  assert.equal(expectedReplyLength(hex('04 0000 0001')), 7);
  assert.equal(expectedReplyLength(hex('01 0000 0009')), 7, '9 coils: 2 bytes');
  assert.equal(expectedReplyLength(hex('02 0000 0008')), 6);
  assert.equal(expectedReplyLength(hex('06 0001 0003')), 8);
  assert.equal(expectedReplyLength(hex('10 0001 0002 04 00010002')), 8);
  assert.equal(expectedReplyLength(hex('2B 0E 01 00')), 5);
});

test('a reply is parsed as it arrives: incomplete, good, exception, or bad at the first wrong byte', () => {
  const request = hex('03 0000 0002');
  const good = rtuFrame(7, hex('03 04 1234 5678'));
  for (let n = 0; n < good.length; n++) assert.deepEqual(parseRtuReply(7, request, good.subarray(0, n)), { kind: 'incomplete' }, `${n} bytes`);
  assert.deepEqual(parseRtuReply(7, request, good), { kind: 'ok', pdu: hex('03 04 1234 5678') });
  // Trailing bytes are not part of the reply.
  assert.deepEqual(parseRtuReply(7, request, Buffer.concat([good, hex('00')])), { kind: 'ok', pdu: hex('03 04 1234 5678') });

  const exception = rtuFrame(7, hex('83 02'));
  assert.deepEqual(parseRtuReply(7, request, exception), { kind: 'ok', pdu: hex('83 02') });

  const spoiled = Buffer.from(good);
  spoiled[good.length - 1]! ^= 0x01;
  assert.deepEqual(parseRtuReply(7, request, spoiled), { kind: 'bad', reason: 'bad reply: CRC' });
  const flipped = Buffer.from(good);
  flipped[4]! ^= 0x80;
  assert.deepEqual(parseRtuReply(7, request, flipped), { kind: 'bad', reason: 'bad reply: CRC' }, 'a data bit flipped on the line');

  assert.deepEqual(parseRtuReply(7, request, hex('08')), { kind: 'bad', reason: 'bad reply: unit id 8' });
  assert.deepEqual(parseRtuReply(7, request, hex('07 04')), { kind: 'bad', reason: 'bad reply: function code 4' });
  assert.deepEqual(parseRtuReply(7, request, hex('07 03 06')), { kind: 'bad', reason: 'bad reply: byte count 6, expected 4' });
});

test('write replies are 8 bytes whatever the request length', () => {
  const request = hex('10 0000 0003 06 000100020003');
  const reply = rtuFrame(1, hex('10 0000 0003'));
  assert.equal(reply.length, 8);
  assert.deepEqual(parseRtuReply(1, request, reply.subarray(0, 7)), { kind: 'incomplete' });
  assert.deepEqual(parseRtuReply(1, request, reply), { kind: 'ok', pdu: hex('10 0000 0003') });
});

test('request frame lengths for a server: known from the first bytes, null for unknown codes', () => {
  assert.equal(requestFrameLength(hex('01')), undefined);
  assert.equal(requestFrameLength(hex('01 03')), 8);
  assert.equal(requestFrameLength(hex('01 06')), 8);
  assert.equal(requestFrameLength(hex('01 10 0000 0002')), undefined);
  assert.equal(requestFrameLength(hex('01 10 0000 0002 04')), 13);
  assert.equal(requestFrameLength(hex('01 0F 0000 0009 02')), 11);
  assert.equal(requestFrameLength(hex('01 2B 0E')), null);
});
