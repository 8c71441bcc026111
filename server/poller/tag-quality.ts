import type { Quality, Sample } from '../../lib/types.ts';

/**
 * Quality bookkeeping of one connection's tags. Pure state, no timers: the connection loop
 * reports reads and failures, a watchdog calls `sweep()`.
 *
 * Rules: every good read yields a sample; `bad` and `stale` yield one only when the quality
 * or the reason changes, carrying the last value and the time of the change. `stale` only
 * replaces `good` (or "never read"): a `bad` tag already says why it has no fresh value.
 */
export interface TagQuality {
  /** A fresh value: always a sample. `mono` is a monotonic clock (performance.now()). */
  good(id: string, value: number, ts: number, mono: number): Sample;
  /** A failed read or decode: a sample only when quality or reason changed. */
  bad(id: string, reason: string, ts: number): Sample | undefined;
  /** Tags that are good (or never read) but had no fresh value within `staleFactor × scanMs`. */
  sweep(ts: number, mono: number): Sample[];
  /** Current sample of a tag (`quality: null` before anything happened). */
  current(id: string): { value: number | null; quality: Quality | null; reason?: string } | undefined;
}

interface State {
  scanMs: number;
  value: number | null;
  quality: Quality | null;
  reason?: string;
  /** Monotonic time of the last fresh read, or of the tracker's creation. */
  freshAt: number;
}

export const STALE_REASON = 'no fresh read';

export function createTagQuality(tags: Iterable<{ id: string; scanMs: number }>, mono: number, staleFactor = 2): TagQuality {
  const states = new Map<string, State>();
  for (const t of tags) states.set(t.id, { scanMs: t.scanMs, value: null, quality: null, freshAt: mono });

  function get(id: string): State {
    const s = states.get(id);
    if (!s) throw new RangeError(`unknown tag "${id}"`);
    return s;
  }

  function change(id: string, s: State, quality: 'bad' | 'stale', reason: string, ts: number): Sample | undefined {
    if (s.quality === quality && s.reason === reason) return undefined;
    s.quality = quality;
    s.reason = reason;
    return { tag: id, ts, value: s.value, quality, reason };
  }

  return {
    good(id, value, ts, mono) {
      const s = get(id);
      s.value = value;
      s.quality = 'good';
      s.reason = undefined;
      s.freshAt = mono;
      return { tag: id, ts, value, quality: 'good' };
    },
    bad(id, reason, ts) {
      return change(id, get(id), 'bad', reason, ts);
    },
    sweep(ts, mono) {
      const out: Sample[] = [];
      for (const [id, s] of states) {
        if (s.quality !== 'good' && s.quality !== null) continue;
        if (mono - s.freshAt > staleFactor * s.scanMs) {
          const sample = change(id, s, 'stale', STALE_REASON, ts);
          if (sample) out.push(sample);
        }
      }
      return out;
    },
    current(id) {
      const s = states.get(id);
      return s && { value: s.value, quality: s.quality, ...(s.reason === undefined ? {} : { reason: s.reason }) };
    },
  };
}
