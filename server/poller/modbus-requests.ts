import type { RegisterArea } from '../../lib/plant/schema.ts';

/**
 * Request PDUs of the reads and writes the poller sends, and the checks of their replies, for
 * transports where Linewatch owns the framing (RTU). Pure; a reply that is not the answer to
 * its request throws a ReplyMismatch, an exception reply a ModbusExceptionReply.
 */

/** The device answered with a Modbus exception (its `modbusCode`, as modbus-serial's errors carry it). */
export class ModbusExceptionReply extends Error {
  constructor(readonly modbusCode: number) {
    super(`Modbus exception ${modbusCode}`);
    this.name = 'ModbusExceptionReply';
  }
}

/** A well-framed reply that does not answer the request (wrong echo, short data). `message` is the tag reason. */
export class ReplyMismatch extends Error {
  override name = 'ReplyMismatch';
}

const readCodes: Record<RegisterArea, number> = { coil: 0x01, discrete: 0x02, holding: 0x03, input: 0x04 };

export function readRequestPdu(area: RegisterArea, start: number, quantity: number): Buffer {
  const pdu = Buffer.alloc(5);
  pdu[0] = readCodes[area];
  pdu.writeUInt16BE(start, 1);
  pdu.writeUInt16BE(quantity, 3);
  return pdu;
}

function throwIfException(request: Uint8Array, reply: Uint8Array): void {
  if (reply[0] === (request[0]! | 0x80)) throw new ModbusExceptionReply(reply[1] ?? 0);
  if (reply[0] !== request[0]) throw new ReplyMismatch(`bad reply: function code ${reply[0]}`);
}

/** Registers as numbers, bits as 0/1: exactly the quantity asked for. */
export function parseReadReply(request: Uint8Array, reply: Uint8Array): number[] {
  throwIfException(request, reply);
  const quantity = (request[3]! << 8) | request[4]!;
  const bits = request[0] === 0x01 || request[0] === 0x02;
  const byteCount = bits ? Math.ceil(quantity / 8) : quantity * 2;
  if (reply[1] !== byteCount || reply.length !== 2 + byteCount) throw new ReplyMismatch(`bad reply: byte count ${reply[1]}, expected ${byteCount}`);
  const out = new Array<number>(quantity);
  for (let i = 0; i < quantity; i++) out[i] = bits ? (reply[2 + (i >> 3)]! >> (i & 7)) & 1 : (reply[2 + 2 * i]! << 8) | reply[3 + 2 * i]!;
  return out;
}

/** FC 6 for one register, FC 16 for several. */
export function writeRegistersPdu(address: number, values: readonly number[]): Buffer {
  if (values.length === 1) {
    const pdu = Buffer.alloc(5);
    pdu[0] = 0x06;
    pdu.writeUInt16BE(address, 1);
    pdu.writeUInt16BE(values[0]! & 0xffff, 3);
    return pdu;
  }
  const pdu = Buffer.alloc(6 + values.length * 2);
  pdu[0] = 0x10;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(values.length, 3);
  pdu[5] = values.length * 2;
  for (const [i, v] of values.entries()) pdu.writeUInt16BE(v & 0xffff, 6 + 2 * i);
  return pdu;
}

/** FC 5 for one coil, FC 15 for several. */
export function writeCoilsPdu(address: number, values: readonly number[]): Buffer {
  if (values.length === 1) {
    const pdu = Buffer.alloc(5);
    pdu[0] = 0x05;
    pdu.writeUInt16BE(address, 1);
    pdu.writeUInt16BE(values[0] ? 0xff00 : 0x0000, 3);
    return pdu;
  }
  const byteCount = Math.ceil(values.length / 8);
  const pdu = Buffer.alloc(6 + byteCount);
  pdu[0] = 0x0f;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(values.length, 3);
  pdu[5] = byteCount;
  for (const [i, v] of values.entries()) if (v) pdu[6 + (i >> 3)]! |= 1 << (i & 7);
  return pdu;
}

/** A write's reply echoes its function code, address and value (FC 5/6) or quantity (FC 15/16). */
export function checkWriteReply(request: Uint8Array, reply: Uint8Array): void {
  throwIfException(request, reply);
  const echo = request.subarray(0, 5);
  if (reply.length !== 5 || !Buffer.from(reply).equals(echo)) throw new ReplyMismatch('bad reply: write echo differs from the request');
}
