import type { Plant } from '../../lib/plant/schema.ts';
import { tagId } from '../../lib/plant/schema.ts';
import type { LineState, LineStatus, Sample } from '../../lib/types.ts';

export interface LiveState {
  /**
   * Records a batch of samples of one line; returns the line's new status when its state
   * changed, else undefined.
   */
  apply(line: string, samples: readonly Sample[]): LineStatus | undefined;
  values(): Sample[];
  value(tag: string): Sample | undefined;
  lines(): LineStatus[];
  line(id: string): LineStatus | undefined;
  /**
   * Goes over to a new plant version: new lines start unknown, values of tags gone are
   * dropped, states are derived anew; returns the statuses that changed.
   */
  setPlant(plant: Plant): LineStatus[];
}

/**
 * The current value of every tag and the derived state of every line: `comm-lost` when no
 * tag of the line has good quality, else `running`/`stopped` from its running tag; a line
 * with several PLCs says how many of them are lost when some still answer (`partial`).
 */
export function createLiveState(plant: Plant): LiveState {
  const values = new Map<string, Sample>();
  const statuses = new Map<string, LineStatus>();
  const lineTags = new Map<string, string[]>();
  /** Each line's tags by connection, for the lines that have several. */
  const connectionTags = new Map<string, string[][]>();
  const runningTag = new Map<string, string>();

  function learn(p: Plant): void {
    lineTags.clear();
    connectionTags.clear();
    runningTag.clear();
    for (const l of p.lines) {
      if (l.connections.length > 1)
        connectionTags.set(
          l.id,
          l.connections.map((c) => c.tags.map((t) => tagId(l.id, t.name))),
        );
      lineTags.set(
        l.id,
        l.connections.flatMap((c) => c.tags.map((t) => tagId(l.id, t.name))),
      );
      if (l.runningTag) runningTag.set(l.id, tagId(l.id, l.runningTag));
      if (!statuses.has(l.id)) statuses.set(l.id, { id: l.id, state: 'unknown', lastSampleAt: null });
    }
  }
  learn(plant);

  function deriveState(line: string): LineState {
    const tags = lineTags.get(line) ?? [];
    const seen = tags.map((t) => values.get(t)).filter((s) => s !== undefined);
    if (seen.length === 0) return 'unknown';
    if (!seen.some((s) => s.quality === 'good')) return 'comm-lost';
    const running = runningTag.get(line);
    if (!running) return 'running';
    const r = values.get(running);
    if (r?.quality !== 'good') return 'unknown';
    return r.value ? 'running' : 'stopped';
  }

  /** Connections of the line read but with no good tag, when that is some and not all of them. */
  function partial(line: string): LineStatus['partial'] {
    const connections = connectionTags.get(line);
    if (!connections) return undefined;
    // Per sample batch, on the poll-to-stream path: no arrays made.
    let lost = 0;
    for (const tags of connections) {
      let seen = false;
      let good = false;
      for (const t of tags) {
        const s = values.get(t);
        if (!s) continue;
        seen = true;
        if (s.quality === 'good') {
          good = true;
          break;
        }
      }
      if (seen && !good) lost++;
    }
    return lost > 0 && lost < connections.length ? { lost, of: connections.length } : undefined;
  }

  /** Derives the line's state and partial loss again; true when either changed. */
  function update(status: LineStatus): boolean {
    const state = deriveState(status.id);
    const part = partial(status.id);
    if (state === status.state && part?.lost === status.partial?.lost && part?.of === status.partial?.of) return false;
    status.state = state;
    if (part) status.partial = part;
    else delete status.partial;
    return true;
  }

  return {
    apply(line, samples) {
      const status = statuses.get(line);
      if (!status) return undefined;
      for (const s of samples) {
        values.set(s.tag, s);
        if (status.lastSampleAt === null || s.ts > status.lastSampleAt) status.lastSampleAt = s.ts;
      }
      return update(status) ? { ...status } : undefined;
    },
    values: () => [...values.values()],
    value: (tag) => values.get(tag),
    lines: () => [...statuses.values()].map((s) => ({ ...s })),
    line: (id) => {
      const s = statuses.get(id);
      return s && { ...s };
    },
    setPlant(next) {
      learn(next);
      const tags = new Set([...lineTags.values()].flat());
      for (const tag of values.keys()) if (!tags.has(tag)) values.delete(tag);
      const changed: LineStatus[] = [];
      for (const [id, status] of statuses) {
        if (!lineTags.has(id)) {
          statuses.delete(id);
          continue;
        }
        if (update(status)) changed.push({ ...status });
      }
      return changed;
    },
  };
}
