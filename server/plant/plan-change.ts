import { isDeepStrictEqual } from 'node:util';
import type { ConnectionConfig, LineConfig, Plant, TagConfig } from '../../lib/plant/schema.ts';
import { tagId } from '../../lib/plant/schema.ts';

/** A connection as the plan names it: its line and id. */
export interface ConnectionRef {
  line: string;
  connection: string;
}

/**
 * What applying a new plant version must do, part by part; everything not named keeps running
 * as it is. Ids are plant-wide: lines and connections by id, tags as `line.tag`.
 */
export interface PlantChange {
  lines: { added: string[]; removed: string[]; changed: string[] };
  /**
   * `restarted`: its poll loop must start over (the wire or the read plan differs: host, port,
   * unit id, scan, timeout, a tag's address, type, word order, scale…). Connections only
   * `changed` (a label, an alarm limit, a comm-loss delay) keep their loop and their socket.
   */
  connections: { added: ConnectionRef[]; removed: ConnectionRef[]; restarted: ConnectionRef[]; changed: ConnectionRef[] };
  /** Simulated PLCs to start over: their register image or their models differ. */
  simulators: ConnectionRef[];
  tags: { added: string[]; removed: string[]; changed: string[] };
  /** True when nothing at all differs. */
  empty: boolean;
  /** One readable line per change, for the apply's answer and its audit row. */
  summary: string[];
}

/** The fields of a tag a poll loop reads with (read plan, decoding, quality timing). */
function pollFieldsOfTag(t: TagConfig) {
  return [t.name, t.area, t.address, t.type, t.bit, t.wordOrder, t.scale, t.offset, t.scanMs];
}

/** The fields of a connection its poll loop uses: changing any means reconnecting. */
function pollFieldsOf(c: ConnectionConfig) {
  const { tags, commLoss: _alarm, ...wire } = c;
  return { wire, tags: tags.map(pollFieldsOfTag) };
}

/** The fields a simulated PLC is started with (simulator-spec.ts): where it listens, its register image and models. */
function simulatorFieldsOf(c: ConnectionConfig) {
  const listen = c.protocol === 'tcp' ? [c.host, c.port, c.unitId] : [];
  return { listen, tags: c.tags.map((t) => [t.area, t.address, t.type, t.bit, t.wordOrder, t.scale, t.offset, t.sim]) };
}

function byId<T>(list: readonly T[], id: (x: T) => string): Map<string, T> {
  return new Map(list.map((x) => [id(x), x]));
}

/** A line's own fields (its connections apart), by the name the summary gives them. */
const lineFields = (l: LineConfig) => ({
  name: l.name,
  description: l.description,
  'running tag': l.runningTag,
  'key tags': l.keyTags,
  simulation: l.simulation,
});

/**
 * The plan for going from `before` to `after` (both validated). Pure: the runtime's parts
 * (poller, alarm engine, historian, simulators, live state) each act on their share of it.
 */
export function planChange(before: Plant, after: Plant): PlantChange {
  const change: PlantChange = {
    lines: { added: [], removed: [], changed: [] },
    connections: { added: [], removed: [], restarted: [], changed: [] },
    simulators: [],
    tags: { added: [], removed: [], changed: [] },
    empty: true,
    summary: [],
  };
  const say = (line: string) => change.summary.push(line);
  if (before.name !== after.name) say(`plant renamed "${before.name}" → "${after.name}"`);

  const oldLines = byId(before.lines, (l) => l.id);
  const newLines = byId(after.lines, (l) => l.id);
  // Connection ids are plant-wide: one that moved to another line is removed there and added here.
  const oldConns = new Map(before.lines.flatMap((l) => l.connections.map((c) => [c.id, { line: l.id, c }] as const)));
  const newConns = new Map(after.lines.flatMap((l) => l.connections.map((c) => [c.id, { line: l.id, c }] as const)));

  for (const id of oldLines.keys()) if (!newLines.has(id)) change.lines.removed.push(id);
  for (const [id, l] of newLines) {
    const old = oldLines.get(id);
    if (!old) change.lines.added.push(id);
    else if (!isDeepStrictEqual(lineFields(old), lineFields(l))) change.lines.changed.push(id);
  }
  for (const id of change.lines.added) say(`line ${id} added`);
  for (const id of change.lines.removed) say(`line ${id} removed`);
  for (const id of change.lines.changed) {
    const [before, after] = [lineFields(oldLines.get(id)!), lineFields(newLines.get(id)!)];
    const fields = (Object.keys(before) as (keyof typeof before)[]).filter((k) => !isDeepStrictEqual(before[k], after[k]));
    say(`line ${id}: ${fields.join(', ')} changed`);
  }

  for (const [id, { line }] of oldConns) {
    const next = newConns.get(id);
    if (!next || next.line !== line) {
      change.connections.removed.push({ line, connection: id });
      say(`connection ${id} removed from line ${line}`);
    }
  }
  for (const [id, { line, c }] of newConns) {
    const ref = { line, connection: id };
    const prev = oldConns.get(id);
    if (!prev || prev.line !== line) {
      change.connections.added.push(ref);
      if (c.simulated) change.simulators.push(ref);
      say(`connection ${id} added to line ${line}`);
      continue;
    }
    if (!isDeepStrictEqual(pollFieldsOf(prev.c), pollFieldsOf(c))) {
      change.connections.restarted.push(ref);
      say(`connection ${id}: settings or read plan changed, reconnects`);
    } else if (!isDeepStrictEqual(prev.c, c)) {
      change.connections.changed.push(ref);
    }
    if (c.simulated && !isDeepStrictEqual(simulatorFieldsOf(prev.c), simulatorFieldsOf(c))) change.simulators.push(ref);
  }

  // Tags by plant-wide id: a tag that moved to another connection of its line keeps its id (and its history).
  const tagsOf = (p: Plant) => new Map(p.lines.flatMap((l) => l.connections.flatMap((c) => c.tags.map((t) => [tagId(l.id, t.name), { c: c.id, t }] as const))));
  const oldTags = tagsOf(before);
  const newTags = tagsOf(after);
  for (const id of oldTags.keys()) if (!newTags.has(id)) change.tags.removed.push(id);
  for (const [id, next] of newTags) {
    const prev = oldTags.get(id);
    if (!prev) change.tags.added.push(id);
    else if (prev.c !== next.c || !isDeepStrictEqual(prev.t, next.t)) change.tags.changed.push(id);
  }
  const list = (ids: string[]) => (ids.length > 4 ? `${ids.slice(0, 4).join(', ')} and ${ids.length - 4} more` : ids.join(', '));
  if (change.tags.added.length) say(`${change.tags.added.length} tag(s) added: ${list(change.tags.added)}`);
  if (change.tags.removed.length) say(`${change.tags.removed.length} tag(s) removed: ${list(change.tags.removed)}`);
  if (change.tags.changed.length) say(`${change.tags.changed.length} tag(s) changed: ${list(change.tags.changed)}`);
  const commChanged = change.connections.changed.filter(
    ({ connection }) => !isDeepStrictEqual(oldConns.get(connection)!.c.commLoss, newConns.get(connection)!.c.commLoss),
  );
  for (const { connection } of commChanged) say(`connection ${connection}: comm-loss alarm changed`);

  change.empty = isDeepStrictEqual(before, after);
  return change;
}
