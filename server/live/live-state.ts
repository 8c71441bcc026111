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
}

/**
 * The current value of every tag and the derived state of every line: `comm-lost` when no
 * tag of the line has good quality, else `running`/`stopped` from its running tag.
 */
export function createLiveState(plant: Plant): LiveState {
  const values = new Map<string, Sample>();
  const statuses = new Map<string, LineStatus>();
  const lineTags = new Map<string, string[]>();
  for (const l of plant.lines) {
    lineTags.set(
      l.id,
      l.connections.flatMap((c) => c.tags.map((t) => tagId(l.id, t.name))),
    );
    statuses.set(l.id, { id: l.id, state: 'unknown', lastSampleAt: null });
  }
  const runningTag = new Map(plant.lines.filter((l) => l.runningTag).map((l) => [l.id, tagId(l.id, l.runningTag!)]));

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

  return {
    apply(line, samples) {
      const status = statuses.get(line);
      if (!status) return undefined;
      for (const s of samples) {
        values.set(s.tag, s);
        if (status.lastSampleAt === null || s.ts > status.lastSampleAt) status.lastSampleAt = s.ts;
      }
      const state = deriveState(line);
      if (state === status.state) return undefined;
      status.state = state;
      return { ...status };
    },
    values: () => [...values.values()],
    value: (tag) => values.get(tag),
    lines: () => [...statuses.values()].map((s) => ({ ...s })),
    line: (id) => {
      const s = statuses.get(id);
      return s && { ...s };
    },
  };
}
