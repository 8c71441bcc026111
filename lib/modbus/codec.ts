import type { TagType, WordOrder } from '../plant/schema.ts';
import { registerCount } from '../plant/schema.ts';

/**
 * Pure conversion between Modbus registers (16-bit words as read off the wire) and tag
 * values. The poller decodes with it, the simulated PLC encodes with it, so both sides
 * agree by construction and the table tests pin the bytes.
 */

export interface CodecSpec {
  type: TagType;
  wordOrder: WordOrder;
  scale: number;
  offset: number;
  /** For bool tags held in a register. */
  bit?: number;
}

/** Lays the tag's registers out as big-endian bytes ABCD, undoing the device's byte order. */
function toCanonicalBytes(words: ArrayLike<number>, start: number, count: 1 | 2, order: WordOrder): Buffer {
  const raw = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) raw.writeUInt16BE(words[start + i]! & 0xffff, i * 2);
  return reorder(raw, order);
}

/** Reordering is its own inverse for all four orders, so encode and decode share it. */
function reorder(bytes: Buffer, order: WordOrder): Buffer {
  const swapBytes = order === 'BADC' || order === 'DCBA';
  const swapWords = bytes.length === 4 && (order === 'CDAB' || order === 'DCBA');
  const out = Buffer.from(bytes);
  if (swapWords) {
    out.writeUInt16BE(bytes.readUInt16BE(2), 0);
    out.writeUInt16BE(bytes.readUInt16BE(0), 2);
  }
  if (swapBytes) out.swap16();
  return out;
}

/** Raw (unscaled) number from registers starting at `start`. */
export function decodeRaw(words: ArrayLike<number>, start: number, spec: CodecSpec): number {
  if (spec.type === 'bool') return (words[start]! >> (spec.bit ?? 0)) & 1;
  const count = registerCount(spec.type);
  if (start + count > words.length) throw new RangeError(`need ${count} registers at ${start}, have ${words.length - start}`);
  const b = toCanonicalBytes(words, start, count, spec.wordOrder);
  switch (spec.type) {
    case 'int16':
      return b.readInt16BE(0);
    case 'uint16':
      return b.readUInt16BE(0);
    case 'int32':
      return b.readInt32BE(0);
    case 'uint32':
      return b.readUInt32BE(0);
    case 'float32':
      return b.readFloatBE(0);
  }
}

/** Engineering value: raw × scale + offset (bools stay 0/1). */
export function decode(words: ArrayLike<number>, start: number, spec: CodecSpec): number {
  const raw = decodeRaw(words, start, spec);
  return spec.type === 'bool' ? raw : raw * spec.scale + spec.offset;
}

/**
 * Registers holding `value` (engineering units) as the device would store it. Integers are
 * rounded and clamped to their type's range, as a PLC's conversion would.
 */
export function encode(value: number, spec: CodecSpec): number[] {
  if (spec.type === 'bool') throw new TypeError('bool tags are bits: use encodeBit');
  const raw = (value - spec.offset) / spec.scale;
  const b = Buffer.alloc(registerCount(spec.type) * 2);
  switch (spec.type) {
    case 'int16':
      b.writeInt16BE(clampInt(raw, -0x8000, 0x7fff));
      break;
    case 'uint16':
      b.writeUInt16BE(clampInt(raw, 0, 0xffff));
      break;
    case 'int32':
      b.writeInt32BE(clampInt(raw, -0x80000000, 0x7fffffff));
      break;
    case 'uint32':
      b.writeUInt32BE(clampInt(raw, 0, 0xffffffff));
      break;
    case 'float32':
      b.writeFloatBE(raw);
      break;
  }
  const ordered = reorder(b, spec.wordOrder);
  const words: number[] = [];
  for (let i = 0; i < ordered.length; i += 2) words.push(ordered.readUInt16BE(i));
  return words;
}

/** Sets or clears `bit` of a register value. */
export function encodeBit(word: number, bit: number, on: boolean): number {
  return on ? (word | (1 << bit)) & 0xffff : word & ~(1 << bit) & 0xffff;
}

function clampInt(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(x)));
}
