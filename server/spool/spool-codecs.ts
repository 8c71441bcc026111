import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { Quality, Sample } from '../../lib/types.ts';
import type { AlarmStateWrite, AuditEntry } from '../storage/store.ts';
import type { SpoolCodec } from './spool.ts';

/**
 * One spooled alarm-journal commit: entries in seq order and the alarm states saved with them
 * (as `AlarmRepository.commit` takes them), each state with the lease fence it was made under:
 * replayed after a newer owner took the line, the store skips it.
 */
export interface JournalSpoolRecord {
  entries: AlarmJournalEntry[];
  states: AlarmStateWrite[];
}

const qualityCode: Record<Quality, number> = { good: 0, bad: 1, stale: 2 };
const qualityName: Quality[] = ['good', 'bad', 'stale'];

type SampleRow = [tag: number, ts: number, value: number | string | null, quality: number, reason?: string];

/**
 * Samples as JSON with the tag names once per record and each sample a short array:
 * `{"tags":["line.tag",…],"rows":[[0,1733500000000,12.5,0],…]}` (about 30 bytes a sample).
 * NaN and ±Infinity (JSON has none) travel as strings.
 */
export const sampleCodec: SpoolCodec<Sample[]> = {
  encode(samples) {
    const tags: string[] = [];
    const index = new Map<string, number>();
    const rows = new Array<SampleRow>(samples.length);
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      let k = index.get(s.tag);
      if (k === undefined) {
        k = tags.push(s.tag) - 1;
        index.set(s.tag, k);
      }
      const value = s.value === null || Number.isFinite(s.value) ? s.value : String(s.value);
      rows[i] = s.reason === undefined ? [k, s.ts, value, qualityCode[s.quality]] : [k, s.ts, value, qualityCode[s.quality], s.reason];
    }
    return JSON.stringify({ tags, rows });
  },
  decode(payload) {
    const { tags, rows } = JSON.parse(payload.toString('utf8')) as { tags: string[]; rows: SampleRow[] };
    return rows.map(([k, ts, value, quality, reason]) => ({
      tag: tags[k]!,
      ts,
      value: typeof value === 'string' ? Number(value) : value,
      quality: qualityName[quality] ?? 'bad',
      ...(reason !== undefined && { reason }),
    }));
  },
  rows: (samples) => samples.length,
  at(samples) {
    let at = Number.POSITIVE_INFINITY;
    for (const s of samples) if (s.ts < at) at = s.ts;
    return Number.isFinite(at) ? at : Date.now();
  },
};

export const journalCodec: SpoolCodec<JournalSpoolRecord> = {
  encode: (record) => JSON.stringify(record),
  decode: (payload) => JSON.parse(payload.toString('utf8')) as JournalSpoolRecord,
  rows: (record) => record.entries.length,
  at: (record) => record.entries[0]?.ts ?? Date.now(),
};

/** Audit rows keep their `key`: written again after a crash, a row is not written twice. */
export const auditCodec: SpoolCodec<AuditEntry[]> = {
  encode: (rows) => JSON.stringify(rows),
  decode: (payload) => JSON.parse(payload.toString('utf8')) as AuditEntry[],
  rows: (rows) => rows.length,
  at: (rows) => rows[0]?.ts ?? Date.now(),
};
