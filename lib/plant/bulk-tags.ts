import type { PlantFile, RegisterArea, TagType } from './schema.ts';
import { registerCount } from './schema.ts';

/** A tag as the plant file holds it (defaults not applied). */
export type TagFile = PlantFile['lines'][number]['connections'][number]['tags'][number];

/** Fields every generated tag shares, as in the plant file. */
export type BulkCommonFields = Omit<TagFile, 'name' | 'label' | 'area' | 'address' | 'type' | 'bit'>;

export interface BulkTagsInput extends BulkCommonFields {
  /** How many tags, 1 … 500 (`maxBulkTags`). */
  count: number;
  area: RegisterArea;
  type: TagType;
  /** Address of the first tag. */
  start: number;
  /**
   * Bool tags in holding/input registers: bit of the first tag (default 0). They fill a
   * register bit by bit (0 … 15), then go on at bit 0 of the next register.
   */
  startBit?: number;
  /** Tag names, `{n}` replaced by the tag's number (required), e.g. `zone-{n}-temp`. */
  namePattern: string;
  /** Labels, `{n}` replaced likewise (optional; without `{n}` every tag gets the same label). */
  labelPattern?: string;
  /** Number of the first tag. Default 1. */
  firstN?: number;
}

/** Why a request was refused: the input field it is about, and what is wrong with it. */
export interface BulkTagsProblem {
  field: keyof BulkTagsInput;
  message: string;
}

export type BulkTagsResult = { ok: true; tags: TagFile[] } | { ok: false; problems: BulkTagsProblem[] };

/** Most tags one request may make (a connection holds at most 5000). */
export const maxBulkTags = 500;

const lastAddress = 65535;
const tagName = /^[a-z0-9][a-z0-9-]{0,39}$/;
const bitsPerRegister = 16;

/**
 * How far apart consecutive tags of `type` in `area` lie: their register count (1 for
 * int16/uint16, 2 for 32-bit types); 1 for bits (coil/discrete). Bool tags in holding/input
 * registers step through bits instead (see `BulkTagsInput.startBit`).
 */
export function addressStep(area: RegisterArea, type: TagType): number {
  return area === 'coil' || area === 'discrete' ? 1 : registerCount(type);
}

/**
 * `count` tags at consecutive addresses, named from a pattern: the "add many tags" of the
 * plant editor. Pure. Refuses, with every problem naming its input field, a pattern without
 * `{n}` or making names that are not tag ids, a count outside 1 … 500, a start that is not an
 * address, addresses running past 65535, and names already in `existing`.
 *
 * Only what it lays out is checked here; the tags' other fields (type against area, scale,
 * alarms, ...) are checked with the plant like any other tag.
 *
 * @param existing tag names the line already has (a tag name is unique in its line).
 */
export function bulkTags(input: BulkTagsInput, existing: Iterable<string> = []): BulkTagsResult {
  const { count, area, type, start, startBit = 0, namePattern: pattern, labelPattern, firstN = 1, ...common } = input;
  const problems: BulkTagsProblem[] = [];
  const problem = (field: keyof BulkTagsInput, message: string) => problems.push({ field, message });

  if (!Number.isInteger(count) || count < 1 || count > maxBulkTags) problem('count', `must be a whole number from 1 to ${maxBulkTags}`);
  if (!Number.isInteger(start) || start < 0 || start > lastAddress) problem('start', `must be an address from 0 to ${lastAddress}`);
  if (!Number.isInteger(firstN) || firstN < 0) problem('firstN', 'must be a whole number, 0 or more');
  const bitInRegister = type === 'bool' && (area === 'holding' || area === 'input');
  if (bitInRegister && (!Number.isInteger(startBit) || startBit < 0 || startBit >= bitsPerRegister)) problem('startBit', 'must be a bit from 0 to 15');
  if (!pattern.includes('{n}')) problem('namePattern', 'must contain {n} (replaced by each tag’s number)');
  if (problems.length > 0) return { ok: false, problems };

  const nameOf = (n: number) => pattern.replaceAll('{n}', String(n));
  const lastN = firstN + count - 1;
  for (const n of new Set([firstN, lastN])) {
    const name = nameOf(n);
    if (!tagName.test(name)) {
      problem('namePattern', `makes “${name}”, not a tag name: 1–40 lowercase letters, digits or dashes, starting with a letter or digit`);
      break;
    }
  }

  // Where the last tag lies, and its last register (or bit).
  const step = addressStep(area, type);
  const lastStart = bitInRegister ? start + Math.floor((startBit + count - 1) / bitsPerRegister) : start + (count - 1) * step;
  const lastWord = bitInRegister ? lastStart : lastStart + step - 1;
  if (lastWord > lastAddress) {
    const per = bitInRegister ? 'bits, 16 a register' : step === 1 ? 'addresses' : `${step} registers each`;
    problem('count', `${count} ${type} tags from ${start} (${per}) run to ${lastWord}, past register ${lastAddress}`);
  }

  const taken = new Set(existing);
  const clashes: string[] = [];
  for (let n = firstN; n <= lastN && clashes.length < 3; n++) if (taken.has(nameOf(n))) clashes.push(nameOf(n));
  if (clashes.length > 0) problem('namePattern', `makes names the line already has: ${clashes.join(', ')}${clashes.length === 3 ? ', …' : ''}`);
  if (problems.length > 0) return { ok: false, problems };

  // Fields left empty in a form arrive as undefined: a plant file has no such keys.
  const shared = Object.fromEntries(Object.entries(common).filter(([, v]) => v !== undefined)) as BulkCommonFields;
  const tags: TagFile[] = [];
  for (let i = 0; i < count; i++) {
    const n = firstN + i;
    const at = bitInRegister
      ? { address: start + Math.floor((startBit + i) / bitsPerRegister), bit: (startBit + i) % bitsPerRegister }
      : { address: start + i * step };
    const label = labelPattern?.trim() ? { label: labelPattern.replaceAll('{n}', String(n)) } : {};
    tags.push({ name: nameOf(n), ...label, area, type, ...at, ...structuredClone(shared) });
  }
  return { ok: true, tags };
}
