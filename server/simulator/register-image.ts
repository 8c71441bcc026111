import type { RegisterArea, TagConfig } from '../../lib/plant/schema.ts';
import { registerCount } from '../../lib/plant/schema.ts';
import { decode, encode, encodeBit } from '../../lib/modbus/codec.ts';
import type { ModbusMemory } from './modbus-pdu.ts';

/** Registers (holding, input) and bits (coil, discrete) per area: addresses 0 … 9999. */
export const MEMORY_SIZE = 10_000;

/**
 * The simulated PLC's memory: what clients read, what the model writes tag values into.
 * A client write to any register or coil of a tag FORCES that tag: the image keeps what the
 * client wrote and the model stops animating it (until the simulator restarts), so a test can
 * inject a known value and expect to read it back through the whole chain. Setpoints and
 * commands are forced the same way: they hold what was written, and the model reads them
 * back with `getTag` to react.
 */
export interface RegisterImage extends ModbusMemory {
  /** Stores a tag's engineering value (encoded per its type, word order, scale, offset); no-op when forced. */
  setTag(tag: TagConfig, value: number): void;
  /** A tag's engineering value as a client reads it (decoded per its type, word order, scale, offset). */
  getTag(tag: TagConfig): number;
  /** Names of the tags clients have forced, in forcing order. */
  forced(): string[];
}

/**
 * @param size registers/bits per area; grown to hold the highest tag address if a tag lies
 *   beyond it, so every valid plant file can be simulated. Default MEMORY_SIZE.
 */
export function createRegisterImage(tags: readonly TagConfig[], size: number = MEMORY_SIZE): RegisterImage {
  const sizeOf = (area: RegisterArea) =>
    Math.max(size, ...tags.filter((t) => t.area === area).map((t) => t.address + (t.type === 'bool' ? 1 : registerCount(t.type))));
  const words = { holding: new Uint16Array(sizeOf('holding')), input: new Uint16Array(sizeOf('input')) };
  const bits = { coil: new Uint8Array(sizeOf('coil')), discrete: new Uint8Array(sizeOf('discrete')) };

  // Which tags each writable address belongs to, to know what a client write forces.
  const owners = { holding: new Map<number, string[]>(), coil: new Map<number, string[]>() };
  for (const t of tags) {
    if (t.area !== 'holding' && t.area !== 'coil') continue;
    const count = t.type === 'bool' ? 1 : registerCount(t.type);
    for (let a = t.address; a < t.address + count; a++) owners[t.area].set(a, [...(owners[t.area].get(a) ?? []), t.name]);
  }
  const forced = new Set<string>();

  return {
    size: (area) => (area === 'holding' || area === 'input' ? words[area].length : bits[area].length),
    read(area, address, quantity) {
      return area === 'holding' || area === 'input' ? words[area].subarray(address, address + quantity) : bits[area].subarray(address, address + quantity);
    },
    write(area, address, values) {
      if (area === 'holding') words.holding.set(values, address);
      else
        bits.coil.set(
          values.map((v) => (v ? 1 : 0)),
          address,
        );
      for (let a = address; a < address + values.length; a++) for (const name of owners[area].get(a) ?? []) forced.add(name);
    },
    setTag(tag, value) {
      if (forced.has(tag.name)) return;
      if (tag.area === 'coil' || tag.area === 'discrete') {
        bits[tag.area][tag.address] = value ? 1 : 0;
      } else if (tag.type === 'bool') {
        const area = words[tag.area];
        area[tag.address] = encodeBit(area[tag.address]!, tag.bit ?? 0, value !== 0);
      } else {
        words[tag.area].set(encode(value, tag), tag.address);
      }
    },
    getTag(tag) {
      if (tag.area === 'coil' || tag.area === 'discrete') return bits[tag.area][tag.address]!;
      return decode(words[tag.area], tag.address, tag);
    },
    forced: () => [...forced],
  };
}
