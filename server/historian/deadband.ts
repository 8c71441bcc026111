import type { Sample } from '../../lib/types.ts';

export interface DeadbandOptions {
  /** Deadband per tag id, in engineering units; tags not listed store every sample. */
  deadbands: ReadonlyMap<string, number>;
  /** A tag's value is stored at least this often even when it does not move. Default 60 000 ms. */
  maxIntervalMs?: number;
}

export interface DeadbandFilter {
  /**
   * Appends to `out` what to store for `sample`: nothing (within the deadband: held back),
   * the sample, or the held-back sample followed by this one, so that a trend drawn from
   * the stored points stays flat up to the change instead of ramping across the flat run.
   */
  accept(sample: Sample, out: Sample[]): void;
  /** Held-back samples (the newest unstored value of each tag), for a final write; clears them. */
  drain(): Sample[];
  /** New deadbands (a plant version); a tag that lost its deadband gives its held-back sample to `out`. */
  setDeadbands(deadbands: ReadonlyMap<string, number>, out: Sample[]): void;
}

interface TagState {
  deadband: number;
  stored: Sample | undefined;
  held: Sample | undefined;
}

/**
 * Per-tag deadband ("exception") filter in front of the raw store. A sample is stored when
 * its quality or reason changes, when a good value moves by more than the deadband from the
 * last stored one, or when the last stored one is `maxIntervalMs` old. Pure state, no clock.
 */
export function createDeadbandFilter(options: DeadbandOptions): DeadbandFilter {
  const maxIntervalMs = options.maxIntervalMs ?? 60_000;
  const states = new Map<string, TagState>();
  function setDeadbands(deadbands: ReadonlyMap<string, number>, out: Sample[]): void {
    for (const [tag, deadband] of deadbands) if (!(deadband >= 0)) throw new RangeError(`deadband of ${tag} must be ≥ 0, got ${deadband}`);
    for (const [tag, st] of states) {
      if (deadbands.has(tag)) continue;
      if (st.held) out.push(st.held);
      states.delete(tag);
    }
    for (const [tag, deadband] of deadbands) {
      const st = states.get(tag);
      if (st) st.deadband = deadband;
      else states.set(tag, { deadband, stored: undefined, held: undefined });
    }
  }
  setDeadbands(options.deadbands, []);

  function moved(s: Sample, stored: Sample, deadband: number): boolean {
    if (s.quality !== stored.quality || s.reason !== stored.reason) return true;
    if (s.quality !== 'good') return false;
    if (s.value === null || stored.value === null) return s.value !== stored.value;
    return Math.abs(s.value - stored.value) > deadband;
  }

  return {
    accept(sample, out) {
      const st = states.get(sample.tag);
      if (!st) {
        out.push(sample);
        return;
      }
      const stored = st.stored;
      if (stored === undefined || sample.ts < stored.ts) {
        // First sample, or one older than what we stored (replayed): store it as it is.
        out.push(sample);
        if (stored === undefined) st.stored = sample;
        return;
      }
      if (moved(sample, stored, st.deadband)) {
        if (st.held) out.push(st.held);
        out.push(sample);
      } else if (sample.ts - stored.ts >= maxIntervalMs) {
        out.push(sample);
      } else {
        st.held = sample;
        return;
      }
      st.stored = sample;
      st.held = undefined;
    },
    setDeadbands,
    drain() {
      const out: Sample[] = [];
      for (const st of states.values()) {
        if (!st.held) continue;
        out.push(st.held);
        st.stored = st.held;
        st.held = undefined;
      }
      return out;
    },
  };
}
