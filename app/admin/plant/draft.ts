import type { z } from 'zod';
import type { TagFile } from '../../../lib/plant/bulk-tags.ts';
import { type PlantFile, plantSchema, registerCount } from '../../../lib/plant/schema.ts';
import { protocolList } from './connection-protocols.ts';

/**
 * The plant editor's draft and the pure operations on it. The draft is a plant file as JSON
 * (defaults not applied, like the file an admin would write); while being typed it may hold
 * what the schema refuses (a number field holding "12a"), so that validation names that
 * field, exactly as it would in a file.
 */

export type { TagFile };
export type LineFile = PlantFile['lines'][number];
export type ConnectionFile = LineFile['connections'][number];
export type Step = string | number;

/** A problem of the draft: where (`lines[0].connections[1].tags[3].address`) and what. */
export interface Problem {
  path: string;
  message: string;
}

/** `['lines', 1, 'tags', 3, 'address']` → `lines[1].tags[3].address` (as the server says it). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

/** A DOM id for the field at `path`: what the problem list links to. */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^a-zA-Z0-9_-]+/g, '-')}`;
}

/** The issue in words a field label can precede ("Port: must be a number"). */
function messageOf(issue: z.core.$ZodIssue): string {
  const m = issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined/.test(m)) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      if (issue.expected === 'boolean') return 'must be true or false';
      return m;
    case 'too_small':
      // The schema's own words when it has some ("must be 1–247 on a serial bus …").
      if (!/^too small/i.test(m)) return m;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `needs at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `needs at least ${issue.minimum}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (!/^too big/i.test(m)) return m;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `may have at most ${issue.maximum}`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      return /discriminator/i.test(m) ? `must be ${protocolList}` : m;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    default:
      return m;
  }
}

/** Every problem of the draft by the plant file's own rules (lib/plant/schema.ts). */
export function validatePlant(draft: unknown): Problem[] {
  const r = plantSchema.safeParse(draft);
  return r.success ? [] : r.error.issues.map((i) => ({ path: formatPath(i.path), message: messageOf(i) }));
}

/** Problems by path. */
export function byPath(problems: readonly Problem[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems) out.set(p.path, [...(out.get(p.path) ?? []), p.message]);
  return out;
}

/** How many problems lie at or under `prefix` (`lines[0]` counts `lines[0].name` too). */
export function countUnder(problems: readonly Problem[], prefix: string): number {
  return problems.filter((p) => p.path === prefix || p.path.startsWith(`${prefix}.`) || p.path.startsWith(`${prefix}[`)).length;
}

/** `value` with the value at `path` set (removed when undefined); shares what did not change. */
export function setIn<T>(value: T, path: readonly Step[], next: unknown): T {
  if (path.length === 0) return next as T;
  const [head, ...rest] = path as [Step, ...Step[]];
  if (Array.isArray(value)) {
    const copy = value.slice();
    if (rest.length === 0 && next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = setIn(copy[head as number], rest, next);
    return copy as T;
  }
  const obj = (value ?? {}) as Record<string, unknown>;
  const copy = { ...obj };
  if (rest.length === 0 && next === undefined) delete copy[head as string];
  else copy[head as string] = setIn(obj[head as string], rest, next);
  return copy as T;
}

export function getIn(value: unknown, path: readonly Step[]): unknown {
  let at = value;
  for (const s of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[s as string];
  }
  return at;
}

const maxId = 40;

/** `base`, or `base-2`, `base-3`... whichever is not in `taken`; at most 40 characters. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  const stem = base.replace(/-\d+$/, '') || 'x';
  if (!names.has(base) && base.length <= maxId) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const name = `${stem.slice(0, maxId - suffix.length)}${suffix}`;
    if (!names.has(name)) return name;
  }
}

export function tagNamesOf(line: LineFile | undefined): string[] {
  return line?.connections?.flatMap((c) => c.tags?.map((t) => t.name) ?? []) ?? [];
}

export function connectionIdsOf(plant: PlantFile): string[] {
  return plant.lines.flatMap((l) => l.connections?.map((c) => c.id) ?? []);
}

/** The first address after every tag of `area` in `tags` (0 when there is none). */
export function nextFreeAddress(tags: readonly TagFile[], area: TagFile['area']): number {
  let next = 0;
  for (const t of tags) {
    if (t.area !== area || typeof t.address !== 'number') continue;
    const words = area === 'coil' || area === 'discrete' || t.type === 'bool' ? 1 : registerCount(t.type);
    next = Math.max(next, t.address + words);
  }
  return Math.min(next, 65535);
}

export function newTag(tags: readonly TagFile[], taken: Iterable<string>): TagFile {
  return { name: uniqueName('tag-1', taken), area: 'holding', address: nextFreeAddress(tags, 'holding'), type: 'int16' };
}

export function newConnection(plant: PlantFile): ConnectionFile {
  return { id: uniqueName('plc-1', connectionIdsOf(plant)), protocol: 'tcp', host: '127.0.0.1', port: 502, unitId: 1, scanMs: 1000, timeoutMs: 1000, tags: [] };
}

export function newLine(plant: PlantFile): LineFile {
  const id = uniqueName(
    'line-1',
    plant.lines.map((l) => l.id),
  );
  return { id, name: 'New line', connections: [{ ...newConnection(plant), id: uniqueName(`${id}-plc`, connectionIdsOf(plant)) }] };
}

/** A copy of tag `index` of the connection, named apart and placed after every tag of its area, inserted after it. */
export function duplicateTag(line: LineFile, connIndex: number, index: number): { line: LineFile; name: string } {
  const conn = line.connections[connIndex]!;
  const tag = conn.tags[index]!;
  const name = uniqueName(`${tag.name}-copy`, tagNamesOf(line));
  const bitInRegister = tag.type === 'bool' && (tag.area === 'holding' || tag.area === 'input');
  const address = bitInRegister ? tag.address : nextFreeAddress(conn.tags, tag.area);
  const copy: TagFile = { ...structuredClone(tag), name, address };
  const tags = [...conn.tags.slice(0, index + 1), copy, ...conn.tags.slice(index + 1)];
  return { line: setIn(line, ['connections', connIndex, 'tags'], tags), name };
}

/**
 * A copy of connection `connIndex` of line `lineIndex`, inserted after it: the connection id
 * and every tag name made unique (tag names are unique in a line).
 */
export function duplicateConnection(plant: PlantFile, lineIndex: number, connIndex: number): { plant: PlantFile; id: string } {
  const line = plant.lines[lineIndex]!;
  const conn = line.connections[connIndex]!;
  const id = uniqueName(`${conn.id}-2`, connectionIdsOf(plant));
  const taken = new Set(tagNamesOf(line));
  const tags = conn.tags.map((t) => {
    const name = uniqueName(`${t.name}-2`, taken);
    taken.add(name);
    return { ...structuredClone(t), name };
  });
  const copy = { ...structuredClone(conn), id, tags } as ConnectionFile;
  const connections = [...line.connections.slice(0, connIndex + 1), copy, ...line.connections.slice(connIndex + 1)];
  return { plant: setIn(plant, ['lines', lineIndex, 'connections'], connections), id };
}

/** The line with tag `from` renamed `to` where the line refers to it (running tag, key tags). */
export function renameTagRefs(line: LineFile, from: string, to: string): LineFile {
  let out = line;
  if (line.runningTag === from) out = { ...out, runningTag: to };
  if (line.keyTags?.includes(from)) out = { ...out, keyTags: line.keyTags.map((k) => (k === from ? to : k)) };
  return out;
}

/** The line without references to tag `name` (it was removed). */
export function dropTagRefs(line: LineFile, name: string): LineFile {
  let out = line;
  if (line.runningTag === name) {
    const { runningTag: _, ...rest } = out;
    out = rest;
  }
  if (line.keyTags?.includes(name)) out = { ...out, keyTags: line.keyTags.filter((k) => k !== name) };
  return out;
}

/** The plant as its file: pretty JSON with a final newline. */
export function plantFileText(plant: unknown): string {
  return `${JSON.stringify(plant, null, 2)}\n`;
}

/** A plant file's text as a draft, or every problem (by path) that keeps it from being one. */
export function readPlantFile(text: string): { ok: true; plant: PlantFile } | { ok: false; problems: Problem[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [{ path: '(file)', message: `is not valid JSON: ${(e as Error).message}` }] };
  }
  const problems = validatePlant(json);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plant: json as PlantFile };
}
