/**
 * What changed between two plants, field by field, for people to read: the versions page,
 * the summary before an apply, a refused apply's "what someone else changed". Pure.
 *
 * Lines and connections are matched by `id` and tags by `name`, not by their place in the
 * array, so moving one is not a change and a path says which one it is:
 * `lines[extrusion].connections[extrusion-plc].tags[zone1-temp].alarms.hi.limit`.
 * Other arrays (`keyTags`) are values compared whole.
 */

/**
 * One step of a path: a property name, an element of lines/connections/tags found by its id
 * (or name), or an array index (elements without an id, in a plant that does not validate).
 */
export type PathStep = string | { key: string; by: 'id' | 'name' } | number;

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface PlantChange {
  /** Readable path, as in the class comment. */
  path: string;
  /** The same path as steps (what `rebasePlant` follows). */
  steps: PathStep[];
  /** The value in the first plant (undefined when added). */
  before: unknown;
  /** The value in the second plant (undefined when removed). */
  after: unknown;
  kind: ChangeKind;
}

/** Arrays whose elements are matched by a field, by where they sit: what each element holds. */
type Level = 'plant' | 'line' | 'connection' | 'other';
const keyedArrays: Partial<Record<Level, Record<string, { field: 'id' | 'name'; level: Level }>>> = {
  plant: { lines: { field: 'id', level: 'line' } },
  line: { connections: { field: 'id', level: 'connection' } },
  connection: { tags: { field: 'name', level: 'other' } },
};

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `a` and `b` hold the same JSON value (a key whose value is undefined counts as absent). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

/** A path's readable form. */
export function formatSteps(steps: readonly PathStep[]): string {
  let out = '';
  for (const s of steps) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string') out += out ? `.${s}` : s;
    else out += `[${s.key}]`;
  }
  return out;
}

/**
 * The key of each element: its id (or name); `#<index>` without one; a repeated id gets
 * `#2`, `#3`... so that every element has a key of its own even in a plant that does not
 * validate.
 */
function keysOf(items: readonly unknown[], field: string): string[] {
  const seen = new Map<string, number>();
  return items.map((item, i) => {
    const id = isObject(item) && typeof item[field] === 'string' && item[field] !== '' ? (item[field] as string) : `#${i}`;
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n === 1 ? id : `${id}#${n}`;
  });
}

/**
 * Every difference between plant `a` and plant `b`, deepest first where it can be: a changed
 * alarm limit is one change at `...alarms.hi.limit`, an added tag one change at `...tags[name]`
 * holding the whole tag. Order: what `a` has (removed or changed) in its order, then what
 * only `b` has, at each level. Empty when they are the same plant up to order.
 *
 * Defaults are not applied: compare two plants parsed by `plantSchema` to ignore a field
 * that one writes out and the other leaves to its default.
 */
export function diffPlants(a: unknown, b: unknown): PlantChange[] {
  const out: PlantChange[] = [];
  walk(a, b, [], 'plant', out);
  return out;
}

function change(steps: PathStep[], before: unknown, after: unknown, out: PlantChange[]): void {
  const kind: ChangeKind = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
  out.push({ path: formatSteps(steps), steps, before, after, kind });
}

function walk(a: unknown, b: unknown, steps: PathStep[], level: Level, out: PlantChange[]): void {
  if (sameValue(a, b)) return;
  if (!isObject(a) || !isObject(b)) {
    change(steps, a, b, out);
    return;
  }
  const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
  for (const k of keys) {
    const keyed = keyedArrays[level]?.[k];
    const av = a[k];
    const bv = b[k];
    if (keyed && Array.isArray(av) && Array.isArray(bv)) walkKeyed(av, bv, [...steps, k], keyed.field, keyed.level, out);
    else walk(av, bv, [...steps, k], 'other', out);
  }
}

function walkKeyed(a: unknown[], b: unknown[], steps: PathStep[], field: 'id' | 'name', level: Level, out: PlantChange[]): void {
  const aKeys = keysOf(a, field);
  const bKeys = keysOf(b, field);
  const bByKey = new Map(bKeys.map((k, i) => [k, b[i]]));
  const aSet = new Set(aKeys);
  aKeys.forEach((key, i) => {
    walk(a[i], bByKey.get(key), [...steps, { key, by: field }], level, out);
  });
  bKeys.forEach((key, i) => {
    if (!aSet.has(key)) change([...steps, { key, by: field }], undefined, b[i], out);
  });
}

/** A change of `rebasePlant` that did not go in cleanly. */
export interface RebaseConflict {
  change: PlantChange;
  /**
   * `kept-mine`: the other plant had changed the same value too; the draft's value won.
   * `skipped`: what it changes is no longer there (e.g. a tag of a removed line).
   */
  resolution: 'kept-mine' | 'skipped';
}

/**
 * Replays the edits that turned `base` into `draft` onto `current` (a version someone else
 * applied meanwhile): a three-way merge over `diffPlants` paths. Returns the merged plant (a
 * new object; the inputs are not changed) and the edits that met a change of the other side.
 */
export function rebasePlant(base: unknown, draft: unknown, current: unknown): { plant: unknown; conflicts: RebaseConflict[] } {
  const plant = structuredClone(current);
  const conflicts: RebaseConflict[] = [];
  for (const c of diffPlants(base, draft)) {
    const parent = resolve(plant, c.steps.slice(0, -1));
    const last = c.steps.at(-1);
    if (parent === undefined || last === undefined) {
      conflicts.push({ change: c, resolution: 'skipped' });
      continue;
    }
    const now = get(parent, last);
    if (sameValue(now, c.after)) continue;
    if (!sameValue(now, c.before)) conflicts.push({ change: c, resolution: 'kept-mine' });
    if (!put(parent, last, c.after)) conflicts.push({ change: c, resolution: 'skipped' });
  }
  return { plant, conflicts };
}

/** The array index of the element a keyed step names (see `keysOf`), or -1. */
function indexOfKey(items: unknown[], step: { key: string; by: 'id' | 'name' }): number {
  return keysOf(items, step.by).indexOf(step.key);
}

function get(container: unknown, step: PathStep): unknown {
  if (typeof step === 'object') return Array.isArray(container) ? container[indexOfKey(container, step)] : undefined;
  if (typeof step === 'number') return Array.isArray(container) ? container[step] : undefined;
  return isObject(container) ? container[step] : undefined;
}

function resolve(root: unknown, steps: readonly PathStep[]): unknown {
  let at: unknown = root;
  for (const s of steps) {
    at = get(at, s);
    if (at === undefined) return undefined;
  }
  return at;
}

/** Sets (or, with undefined, removes) the value at `step` of `container`; false when it cannot. */
function put(container: unknown, step: PathStep, value: unknown): boolean {
  if (isObject(container) && typeof step === 'string') {
    if (value === undefined) delete container[step];
    else container[step] = structuredClone(value);
    return true;
  }
  if (!Array.isArray(container) || typeof step === 'string') return false;
  const i = typeof step === 'number' ? step : indexOfKey(container, step);
  if (value === undefined) {
    if (i >= 0 && i < container.length) container.splice(i, 1);
    return true;
  }
  if (i >= 0 && i < container.length) container[i] = structuredClone(value);
  else container.push(structuredClone(value));
  return true;
}
