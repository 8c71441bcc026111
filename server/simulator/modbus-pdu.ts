import type { RegisterArea } from '../../lib/plant/schema.ts';

/**
 * The server side of the Modbus application protocol (Modbus Application Protocol
 * Specification V1.1b3): one request PDU in, one response PDU out, against a `ModbusMemory`.
 * Pure apart from the memory it is given; the TCP framing lives in modbus-tcp-server.ts.
 *
 * Checks run in the specification's order — function code (01), quantity and PDU shape (03),
 * address range (02), execution (04) — so a request can never throw out of here.
 */

export const ModbusExceptionCode = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  gatewayTargetFailedToRespond: 0x0b,
} as const;

/** Protocol limits on quantities (spec §6.1–6.12). */
export const modbusLimits = {
  readBits: 2000,
  readRegisters: 125,
  writeBits: 1968,
  writeRegisters: 123,
} as const;

/** The data model a server exposes: four areas, each addressed 0 … size − 1. */
export interface ModbusMemory {
  size(area: RegisterArea): number;
  /** Register words (holding/input) or bits as 0/1 (coil/discrete); the range is valid. */
  read(area: RegisterArea, address: number, quantity: number): ArrayLike<number>;
  /** Writes from a client; only the writable areas, the range is valid. */
  write(area: 'holding' | 'coil', address: number, values: readonly number[]): void;
}

export function exceptionPdu(functionCode: number, code: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, code]);
}

/** Answers one request PDU (function code first, no unit id). */
export function handlePdu(request: Buffer, memory: ModbusMemory): Buffer {
  if (request.length < 1) return exceptionPdu(0, ModbusExceptionCode.illegalFunction);
  const fc = request[0]!;
  try {
    switch (fc) {
      case 0x01:
        return readBits(request, memory, 'coil');
      case 0x02:
        return readBits(request, memory, 'discrete');
      case 0x03:
        return readRegisters(request, memory, 'holding');
      case 0x04:
        return readRegisters(request, memory, 'input');
      case 0x05:
        return writeSingleCoil(request, memory);
      case 0x06:
        return writeSingleRegister(request, memory);
      case 0x0f:
        return writeMultipleCoils(request, memory);
      case 0x10:
        return writeMultipleRegisters(request, memory);
      default:
        return exceptionPdu(fc, ModbusExceptionCode.illegalFunction);
    }
  } catch {
    // A bug in the memory must cost one request an exception, never the server.
    return exceptionPdu(fc, ModbusExceptionCode.serverDeviceFailure);
  }
}

const fail = (fc: number, code: number) => exceptionPdu(fc, code);
const outOfRange = (memory: ModbusMemory, area: RegisterArea, address: number, quantity: number) => address + quantity > memory.size(area);

function readBits(req: Buffer, memory: ModbusMemory, area: 'coil' | 'discrete'): Buffer {
  const fc = req[0]!;
  if (req.length !== 5) return fail(fc, ModbusExceptionCode.illegalDataValue);
  const address = req.readUInt16BE(1);
  const quantity = req.readUInt16BE(3);
  if (quantity < 1 || quantity > modbusLimits.readBits) return fail(fc, ModbusExceptionCode.illegalDataValue);
  if (outOfRange(memory, area, address, quantity)) return fail(fc, ModbusExceptionCode.illegalDataAddress);
  const bits = memory.read(area, address, quantity);
  const byteCount = Math.ceil(quantity / 8);
  const res = Buffer.alloc(2 + byteCount);
  res[0] = fc;
  res[1] = byteCount;
  for (let i = 0; i < quantity; i++) if (bits[i]) res[2 + (i >> 3)]! |= 1 << (i & 7);
  return res;
}

function readRegisters(req: Buffer, memory: ModbusMemory, area: 'holding' | 'input'): Buffer {
  const fc = req[0]!;
  if (req.length !== 5) return fail(fc, ModbusExceptionCode.illegalDataValue);
  const address = req.readUInt16BE(1);
  const quantity = req.readUInt16BE(3);
  if (quantity < 1 || quantity > modbusLimits.readRegisters) return fail(fc, ModbusExceptionCode.illegalDataValue);
  if (outOfRange(memory, area, address, quantity)) return fail(fc, ModbusExceptionCode.illegalDataAddress);
  const words = memory.read(area, address, quantity);
  const res = Buffer.alloc(2 + quantity * 2);
  res[0] = fc;
  res[1] = quantity * 2;
  for (let i = 0; i < quantity; i++) res.writeUInt16BE(words[i]! & 0xffff, 2 + i * 2);
  return res;
}

function writeSingleCoil(req: Buffer, memory: ModbusMemory): Buffer {
  const fc = req[0]!;
  if (req.length !== 5) return fail(fc, ModbusExceptionCode.illegalDataValue);
  const address = req.readUInt16BE(1);
  const value = req.readUInt16BE(3);
  if (value !== 0xff00 && value !== 0x0000) return fail(fc, ModbusExceptionCode.illegalDataValue);
  if (outOfRange(memory, 'coil', address, 1)) return fail(fc, ModbusExceptionCode.illegalDataAddress);
  memory.write('coil', address, [value === 0xff00 ? 1 : 0]);
  return Buffer.from(req);
}

function writeSingleRegister(req: Buffer, memory: ModbusMemory): Buffer {
  const fc = req[0]!;
  if (req.length !== 5) return fail(fc, ModbusExceptionCode.illegalDataValue);
  const address = req.readUInt16BE(1);
  if (outOfRange(memory, 'holding', address, 1)) return fail(fc, ModbusExceptionCode.illegalDataAddress);
  memory.write('holding', address, [req.readUInt16BE(3)]);
  return Buffer.from(req);
}

function writeMultipleCoils(req: Buffer, memory: ModbusMemory): Buffer {
  const fc = req[0]!;
  if (req.length < 6) return fail(fc, ModbusExceptionCode.illegalDataValue);
  const address = req.readUInt16BE(1);
  const quantity = req.readUInt16BE(3);
  const byteCount = req[5]!;
  if (quantity < 1 || quantity > modbusLimits.writeBits || byteCount !== Math.ceil(quantity / 8) || req.length !== 6 + byteCount) {
    return fail(fc, ModbusExceptionCode.illegalDataValue);
  }
  if (outOfRange(memory, 'coil', address, quantity)) return fail(fc, ModbusExceptionCode.illegalDataAddress);
  const bits = Array.from({ length: quantity }, (_, i) => (req[6 + (i >> 3)]! >> (i & 7)) & 1);
  memory.write('coil', address, bits);
  return Buffer.from(req.subarray(0, 5));
}

function writeMultipleRegisters(req: Buffer, memory: ModbusMemory): Buffer {
  const fc = req[0]!;
  if (req.length < 6) return fail(fc, ModbusExceptionCode.illegalDataValue);
  const address = req.readUInt16BE(1);
  const quantity = req.readUInt16BE(3);
  const byteCount = req[5]!;
  if (quantity < 1 || quantity > modbusLimits.writeRegisters || byteCount !== quantity * 2 || req.length !== 6 + byteCount) {
    return fail(fc, ModbusExceptionCode.illegalDataValue);
  }
  if (outOfRange(memory, 'holding', address, quantity)) return fail(fc, ModbusExceptionCode.illegalDataAddress);
  const words = Array.from({ length: quantity }, (_, i) => req.readUInt16BE(6 + i * 2));
  memory.write('holding', address, words);
  return Buffer.from(req.subarray(0, 5));
}
