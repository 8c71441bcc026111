/**
 * Modbus RTU framing (Modbus over Serial Line V1.02, §2.5): an ADU is the unit id, the PDU and
 * a CRC-16/MODBUS sent low byte first. Pure functions shared by the poller (the master, which
 * frames a reply by the length its request implies) and the simulated PLC (a server, which
 * frames requests by length and falls back on the inter-frame silence).
 */

const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF) of `bytes`. */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ b) & 0xff]!;
  return crc;
}

/** The RTU ADU of `pdu` for `unitId`: unit id, PDU, CRC (low byte first). */
export function rtuFrame(unitId: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.alloc(pdu.length + 3);
  frame[0] = unitId;
  frame.set(pdu, 1);
  frame.writeUInt16LE(crc16Modbus(frame.subarray(0, pdu.length + 1)), pdu.length + 1);
  return frame;
}

/** True when the last two bytes of `frame` are the CRC of the rest. */
export function crcMatches(frame: Uint8Array): boolean {
  if (frame.length < 3) return false;
  const n = frame.length - 2;
  return crc16Modbus(frame.subarray(0, n)) === (frame[n]! | (frame[n + 1]! << 8));
}

export interface SerialCharacter {
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: number;
  stopBits: number;
}

/** Time one character takes on the wire, ms: start bit, data bits, parity bit, stop bits. */
export function charTimeMs(s: SerialCharacter): number {
  return ((1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits) * 1000) / s.baudRate;
}

/**
 * The silence that separates two frames (t3.5): 3.5 character times, and a fixed 1.75 ms
 * above 19 200 baud, where the specification stops scaling it (§2.5.1.1).
 */
export function interFrameSilenceMs(s: SerialCharacter): number {
  return s.baudRate > 19_200 ? 1.75 : 3.5 * charTimeMs(s);
}

/**
 * Length of the reply ADU a well-formed request PDU calls for (a normal reply; an exception
 * reply is 5 bytes). Unknown function codes: 5, the shortest reply.
 */
export function expectedReplyLength(requestPdu: Uint8Array): number {
  const fc = requestPdu[0];
  const quantity = requestPdu.length >= 5 ? (requestPdu[3]! << 8) | requestPdu[4]! : 0;
  switch (fc) {
    case 0x01:
    case 0x02:
      return 5 + Math.ceil(quantity / 8);
    case 0x03:
    case 0x04:
      return 5 + 2 * quantity;
    case 0x05:
    case 0x06:
    case 0x0f:
    case 0x10:
      return 8;
    default:
      return 5;
  }
}

export type RtuReply = { kind: 'incomplete' } | { kind: 'ok'; pdu: Buffer } | { kind: 'bad'; reason: string };

/**
 * Checks the bytes received so far for the reply of `unitId` to `requestPdu`: incomplete
 * (wait for more), a reply (its PDU: a normal or an exception reply, CRC checked), or bad —
 * at the first byte that cannot belong to that reply, so a wrong frame is reported when it
 * arrives, not at the timeout. Bytes after a complete reply are ignored (the bus discards
 * them before the next request).
 */
export function parseRtuReply(unitId: number, requestPdu: Uint8Array, bytes: Uint8Array): RtuReply {
  if (bytes.length === 0) return { kind: 'incomplete' };
  if (bytes[0] !== unitId) return { kind: 'bad', reason: `bad reply: unit id ${bytes[0]}` };
  if (bytes.length < 2) return { kind: 'incomplete' };
  const fc = bytes[1]!;
  const asked = requestPdu[0]!;
  let length: number;
  if (fc === (asked | 0x80)) {
    length = 5;
  } else if (fc !== asked) {
    return { kind: 'bad', reason: `bad reply: function code ${fc}` };
  } else {
    length = expectedReplyLength(requestPdu);
    const isRead = fc >= 0x01 && fc <= 0x04;
    if (isRead && bytes.length >= 3 && bytes[2] !== length - 5) return { kind: 'bad', reason: `bad reply: byte count ${bytes[2]}, expected ${length - 5}` };
  }
  if (bytes.length < length) return { kind: 'incomplete' };
  const frame = bytes.subarray(0, length);
  if (!crcMatches(frame)) return { kind: 'bad', reason: 'bad reply: CRC' };
  return { kind: 'ok', pdu: Buffer.from(frame.subarray(1, length - 2)) };
}

/**
 * Length of the request ADU starting at `bytes[0]`, known from its first bytes: `undefined`
 * until enough arrived, `null` for a function code whose request length is not known here
 * (a server frames those by the silence after them).
 */
export function requestFrameLength(bytes: Uint8Array): number | null | undefined {
  if (bytes.length < 2) return undefined;
  switch (bytes[1]) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
      return 8;
    case 0x0f:
    case 0x10:
      return bytes.length < 7 ? undefined : 9 + bytes[6]!;
    default:
      return null;
  }
}
