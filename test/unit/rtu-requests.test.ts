import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkWriteReply,
  ModbusExceptionReply,
  parseReadReply,
  ReplyMismatch,
  readRequestPdu,
  writeCoilsPdu,
  writeRegistersPdu,
} from '../../server/poller/modbus-requests.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('read requests per area', () => {
  assert.deepEqual(readRequestPdu('coil', 1, 9), hex('01 0001 0009'));
  assert.deepEqual(readRequestPdu('discrete', 2, 1), hex('02 0002 0001'));
  assert.deepEqual(readRequestPdu('holding', 0x1234, 125), hex('03 1234 007D'));
  assert.deepEqual(readRequestPdu('input', 0, 2), hex('04 0000 0002'));
});

test('read replies: registers and bits, exactly the quantity asked for', () => {
  assert.deepEqual(parseReadReply(hex('03 0000 0002'), hex('03 04 FF85 0001')), [0xff85, 1]);
  // Nine coils: two bytes, the padding bits of the second are not values.
  assert.deepEqual(parseReadReply(hex('01 0000 0009'), hex('01 02 A5 01')), [1, 0, 1, 0, 0, 1, 0, 1, 1]);
  assert.throws(() => parseReadReply(hex('03 0000 0002'), hex('03 02 0001')), ReplyMismatch);
  assert.throws(() => parseReadReply(hex('03 0000 0002'), hex('04 04 0001 0002')), /function code 4/);
  assert.throws(
    () => parseReadReply(hex('03 0000 0002'), hex('83 02')),
    (e: unknown) => e instanceof ModbusExceptionReply && e.modbusCode === 2,
  );
});

test('write requests: FC 6/16 for registers, FC 5/15 for coils; replies must echo them', () => {
  assert.deepEqual(writeRegistersPdu(10, [0x1234]), hex('06 000A 1234'));
  assert.deepEqual(writeRegistersPdu(10, [1, 0xffff]), hex('10 000A 0002 04 0001 FFFF'));
  assert.deepEqual(writeCoilsPdu(3, [1]), hex('05 0003 FF00'));
  assert.deepEqual(writeCoilsPdu(3, [0]), hex('05 0003 0000'));
  assert.deepEqual(writeCoilsPdu(3, [1, 0, 0, 0, 0, 0, 0, 0, 1]), hex('0F 0003 0009 02 01 01'));
  checkWriteReply(hex('10 000A 0002 04 0001 FFFF'), hex('10 000A 0002'));
  checkWriteReply(hex('06 000A 1234'), hex('06 000A 1234'));
  assert.throws(() => checkWriteReply(hex('06 000A 1234'), hex('06 000A 1235')), /write echo/);
  assert.throws(() => checkWriteReply(hex('06 000A 1234'), hex('86 04')), ModbusExceptionReply);
});
