import type { ConnectionConfig, RegisterArea, TagConfig } from '../plant/schema.ts';
import { registerCount, tagId } from '../plant/schema.ts';

/**
 * Read planning: which Modbus requests fetch a connection's tags. Pure, so the limits the
 * protocol imposes (125 registers / 2000 bits a request) are pinned by table tests rather
 * than discovered on a PLC that answers exception 03.
 */

/** Most registers one FC3/FC4 request may ask for (Modbus spec). */
export const MAX_READ_REGISTERS = 125;
/** Most bits one FC1/FC2 request may ask for (Modbus spec). */
export const MAX_READ_BITS = 2000;

export interface ReadBlockTag {
  tag: TagConfig;
  /** Plant-wide id, filled when the plan was given a `lineId`. */
  tagId?: string;
  /** Position of the tag's first register (or bit) in the block's reply. */
  offset: number;
}

/** One read request, repeated every `scanMs`. */
export interface ReadBlock {
  area: RegisterArea;
  /** First register (or bit) address. */
  start: number;
  /** Registers (or bits) to read. */
  quantity: number;
  scanMs: number;
  /** Tags decoded from the reply, by address. */
  tags: ReadBlockTag[];
}

export interface ReadPlanOptions {
  /** Fills `tagId` of every block tag (`${lineId}.${tag.name}`). */
  lineId?: string;
  /**
   * Largest run of unused registers bridged to merge two reads into one. Default 8: reading
   * 16 spare bytes costs less than a second request/response round trip.
   */
  maxGap?: number;
  /** Same for coils and discrete inputs, in bits. Default `maxGap × 16`. */
  maxBitGap?: number;
  /** Registers a read may span, 2–125. Default 125; lower it for PLCs with smaller limits. */
  maxRegisters?: number;
  /** Bits a read may span, 1–2000. Default 2000. */
  maxBits?: number;
}

const isBitArea = (area: RegisterArea) => area === 'coil' || area === 'discrete';

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`read plan: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/**
 * Groups a connection's tags into read blocks, per (area, effective scan period): tags sorted
 * by address are coalesced while the block stays within the request limit and the hole
 * before the next tag is at most `maxGap`. A 32-bit tag always lies inside one block, and
 * bool tags that share a register (different bits) land in the same block.
 *
 * Blocks come out sorted by scan period, area, then start address.
 */
export function planReads(connection: Pick<ConnectionConfig, 'scanMs' | 'tags'>, options: ReadPlanOptions = {}): ReadBlock[] {
  const maxGap = checkInt('maxGap', options.maxGap ?? 8, 0, 65535);
  const maxBitGap = checkInt('maxBitGap', options.maxBitGap ?? maxGap * 16, 0, 65535);
  const maxRegisters = checkInt('maxRegisters', options.maxRegisters ?? MAX_READ_REGISTERS, 2, MAX_READ_REGISTERS);
  const maxBits = checkInt('maxBits', options.maxBits ?? MAX_READ_BITS, 1, MAX_READ_BITS);

  const groups = new Map<string, { area: RegisterArea; scanMs: number; tags: TagConfig[] }>();
  for (const tag of connection.tags) {
    const scanMs = tag.scanMs ?? connection.scanMs;
    const key = `${scanMs}:${tag.area}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { area: tag.area, scanMs, tags: [] }));
    group.tags.push(tag);
  }

  const blocks: ReadBlock[] = [];
  for (const { area, scanMs, tags } of groups.values()) {
    const bits = isBitArea(area);
    const limit = bits ? maxBits : maxRegisters;
    const gap = bits ? maxBitGap : maxGap;
    // Stable sort: tags at the same address keep their file order.
    const sorted = [...tags].sort((a, b) => a.address - b.address);
    let block: ReadBlock | undefined;
    for (const tag of sorted) {
      const width = bits ? 1 : registerCount(tag.type);
      const end = tag.address + width;
      if (block) {
        const blockEnd = block.start + block.quantity;
        const newEnd = Math.max(blockEnd, end);
        if (tag.address - blockEnd <= gap && newEnd - block.start <= limit) {
          block.quantity = newEnd - block.start;
          block.tags.push(entry(tag, block.start, options.lineId));
          continue;
        }
      }
      block = { area, start: tag.address, quantity: width, scanMs, tags: [entry(tag, tag.address, options.lineId)] };
      blocks.push(block);
    }
  }
  const areaOrder = (a: RegisterArea) => ['holding', 'input', 'coil', 'discrete'].indexOf(a);
  return blocks.sort((a, b) => a.scanMs - b.scanMs || areaOrder(a.area) - areaOrder(b.area) || a.start - b.start);
}

function entry(tag: TagConfig, start: number, lineId: string | undefined): ReadBlockTag {
  return lineId === undefined ? { tag, offset: tag.address - start } : { tag, tagId: tagId(lineId, tag.name), offset: tag.address - start };
}
