import type { Quality, Sample } from '../../lib/types.ts';
import type { RollupRow, Store } from '../storage/store.ts';
import { minuteRollupsOf } from './rollup-accumulator.ts';

/**
 * Where the historian's writes go: raw samples and rollups (one transaction per call) and
 * retention deletes. `createStoreWriter` writes through the store (PostgreSQL, tests, tools);
 * `createWorkerWriter` (worker-writer.ts) in a worker thread on its own connection, so the
 * event loop never waits on a write transaction or a WAL checkpoint.
 */
export interface HistoryWriter {
  /** Writes the samples and merges the 1-minute rollup rows, in one transaction. */
  write(samples: readonly Sample[], rollups: readonly RollupRow[]): Promise<void>;
  /** Deletes at most `maxRows` of the oldest raw samples (`raw`) or rollups of `tag` older than `before`. */
  prune(kind: 'raw' | 'rollups', tag: string, before: number, maxRows: number): Promise<number>;
  /** Names of every tag with history. */
  tags(): Promise<string[]>;
  /**
   * Rebuilds `tag`'s 1-minute rollups from its raw samples with `from` ≤ ts < `before` (the
   * coarser rows over them from the minutes), replacing what is stored; returns how many
   * minutes. Queued behind the writes already asked for, so the main thread never waits for the
   * write lock. Absent (a stand-in writer): the historian rebuilds through the store.
   */
  rebuildRollups?(tag: string, from: number, before: number): Promise<number>;
  /** Where the engine partitions samples by day (PostgreSQL): drops whole days older than `before` at once; returns how many. */
  dropRawDaysBefore?(before: number): Promise<number>;
  close(): Promise<void>;
}

/** Raw points read per tag for a rollup rebuild, at most (ten minutes of a 100 ms tag is 6 000). */
export const REBUILD_LIMIT = 1_000_000;

/** The points of a [from, before] read that are before `before` (the store's ranges are closed). */
export const rawBefore = <P extends { ts: number }>(points: P[], before: number): P[] =>
  points.length > 0 && points.at(-1)!.ts >= before ? points.filter((p) => p.ts < before) : points;

export function createStoreWriter(store: Store): HistoryWriter {
  return {
    write: (samples, rollups) => store.writeHistory(samples, rollups),
    ...(store.samples.dropDaysBefore && { dropRawDaysBefore: (before: number) => store.samples.dropDaysBefore!(before) }),
    async prune(kind, tag, before, maxRows) {
      return kind === 'raw' ? store.samples.prune(tag, before, maxRows) : store.rollups.prune(tag, before, maxRows);
    },
    async tags() {
      return store.samples.tags();
    },
    async rebuildRollups(tag, from, before) {
      const rows = minuteRollupsOf(tag, rawBefore(await store.samples.query(tag, from, before, REBUILD_LIMIT), before));
      await store.rollups.replace(rows);
      return rows.length;
    },
    async close() {},
  };
}

/** Samples as columns, so a batch crosses to a worker as a few transferred buffers, not thousands of objects. */
export interface PackedSamples {
  names: string[];
  tag: Uint32Array;
  ts: Float64Array;
  /** NaN = no value. */
  value: Float64Array;
  quality: Uint8Array;
  /** [index, reason] of the samples that have one. */
  reasons: [number, string][];
}

const qualityCode: Record<Quality, number> = { good: 0, bad: 1, stale: 2 };
const qualityName: Quality[] = ['good', 'bad', 'stale'];

export function packSamples(samples: readonly Sample[]): PackedSamples {
  const n = samples.length;
  const index = new Map<string, number>();
  const names: string[] = [];
  const packed: PackedSamples = {
    names,
    tag: new Uint32Array(n),
    ts: new Float64Array(n),
    value: new Float64Array(n),
    quality: new Uint8Array(n),
    reasons: [],
  };
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    let k = index.get(s.tag);
    if (k === undefined) {
      k = names.push(s.tag) - 1;
      index.set(s.tag, k);
    }
    packed.tag[i] = k;
    packed.ts[i] = s.ts;
    packed.value[i] = s.value ?? Number.NaN;
    packed.quality[i] = qualityCode[s.quality];
    if (s.reason !== undefined) packed.reasons.push([i, s.reason]);
  }
  return packed;
}

export function unpackSamples(p: PackedSamples): Sample[] {
  const n = p.ts.length;
  const out = new Array<Sample>(n);
  // One object shape for all (reason undefined when none): the cheapest to allocate by the thousand.
  for (let i = 0; i < n; i++) {
    const v = p.value[i]!;
    out[i] = { tag: p.names[p.tag[i]!]!, ts: p.ts[i]!, value: Number.isNaN(v) ? null : v, quality: qualityName[p.quality[i]!] ?? 'bad', reason: undefined };
  }
  for (const [i, reason] of p.reasons) out[i]!.reason = reason;
  return out;
}

export const transferablesOf = (p: PackedSamples): ArrayBuffer[] => [p.tag.buffer, p.ts.buffer, p.value.buffer, p.quality.buffer] as ArrayBuffer[];
