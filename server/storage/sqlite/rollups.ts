import type Database from 'better-sqlite3';
import type { Synchronous } from './promised.ts';
import { rollupSpans } from '../../../lib/history/trend.ts';
import { emptyRollup, MINUTE_MS, mergeRollup, startOf } from '../../historian/rollup-accumulator.ts';
import type { RollupRepository, RollupRow } from '../store.ts';
import { rollupColumns, type RollupTuple, rowFromTuple } from '../rows/rollup-rows.ts';
import type { Migration } from './migrate.ts';
import { createTagIds } from './tag-ids.ts';

export const rollupMigrations: Migration[] = [
  {
    id: 'rollups-1',
    // One row per tag, interval length (span, ms) and interval start. Statistics over good
    // samples; `bad` counts the others and `gap_ts` is the first of them. min_ts, max_ts,
    // first_ts and last_ts place the points exactly, so a downsampled trend keeps its spikes.
    sql: `CREATE TABLE rollups (
        tag_id INTEGER NOT NULL REFERENCES tags(id),
        span INTEGER NOT NULL,
        start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        bad INTEGER NOT NULL,
        min REAL, min_ts INTEGER,
        max REAL, max_ts INTEGER,
        sum REAL,
        first REAL, first_ts INTEGER,
        last REAL, last_ts INTEGER,
        gap_ts INTEGER,
        PRIMARY KEY (tag_id, span, start)
      ) WITHOUT ROWID;`,
  },
];

type N = number | null;
type Values = [number, number, number, number, number, N, N, N, N, N, N, N, N, N, N];

const coarseSpans = rollupSpans.map((s) => s.span).filter((s) => s > MINUTE_MS);
const allSpans = rollupSpans.map((s) => s.span);

export function createSqliteRollups(db: Database.Database): Synchronous<RollupRepository> {
  const ids = createTagIds(db);
  const insertSql = `INSERT INTO rollups (tag_id, span, ${rollupColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  // In DO UPDATE, bare column names are the stored row, `excluded.` the new one; every SET
  // expression sees the stored values (SQLite evaluates them all before assigning).
  const merge = db.prepare<Values>(`${insertSql}
    ON CONFLICT (tag_id, span, start) DO UPDATE SET
      count = count + excluded.count,
      bad = bad + excluded.bad,
      min_ts = CASE WHEN min IS NULL OR excluded.min < min THEN excluded.min_ts ELSE min_ts END,
      min = CASE WHEN min IS NULL OR excluded.min < min THEN excluded.min ELSE min END,
      max_ts = CASE WHEN max IS NULL OR excluded.max > max THEN excluded.max_ts ELSE max_ts END,
      max = CASE WHEN max IS NULL OR excluded.max > max THEN excluded.max ELSE max END,
      sum = CASE WHEN sum IS NULL THEN excluded.sum WHEN excluded.sum IS NULL THEN sum ELSE sum + excluded.sum END,
      first_ts = CASE WHEN first_ts IS NULL OR excluded.first_ts < first_ts THEN excluded.first_ts ELSE first_ts END,
      first = CASE WHEN first_ts IS NULL OR excluded.first_ts < first_ts THEN excluded.first ELSE first END,
      last_ts = CASE WHEN last_ts IS NULL OR excluded.last_ts >= last_ts THEN excluded.last_ts ELSE last_ts END,
      last = CASE WHEN last_ts IS NULL OR excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
      gap_ts = CASE WHEN gap_ts IS NULL OR excluded.gap_ts < gap_ts THEN excluded.gap_ts ELSE gap_ts END`);
  const replace = db.prepare<Values>(insertSql.replace('INSERT', 'INSERT OR REPLACE'));
  const select = db
    .prepare<[number, number, number, number], RollupTuple>(
      `SELECT ${rollupColumns} FROM rollups WHERE tag_id = ? AND span = ? AND start BETWEEN ? AND ? ORDER BY start`,
    )
    .raw(true);
  const newest = db.prepare<[number], { name: string; minute: number | null }>(
    'SELECT t.name AS name, (SELECT max(start) FROM rollups r WHERE r.tag_id = t.id AND r.span = ?) AS minute FROM tags t',
  );
  const pruneOldest = db.prepare<[number, number, number, number]>('DELETE FROM rollups WHERE tag_id = ? AND span = ? AND start < ? ORDER BY start LIMIT ?');

  const values = (id: number, span: number, start: number, r: RollupRow): Values => [
    id,
    span,
    start,
    r.count,
    r.bad,
    r.min,
    r.minTs,
    r.max,
    r.maxTs,
    r.sum,
    r.first,
    r.firstTs,
    r.last,
    r.lastTs,
    r.gapTs,
  ];

  const mergeRows = (rows: readonly RollupRow[]) => {
    for (const r of rows) merge.run(...values(ids.of(r.tag, true)!, r.span, r.start, r));
  };
  const mergeMany = db.transaction(mergeRows);

  const replaceMany = db.transaction((rows: readonly RollupRow[]) => {
    const coarse = new Map<string, { tag: string; id: number; span: number; start: number }>();
    for (const r of rows) {
      const id = ids.of(r.tag, true)!;
      replace.run(...values(id, MINUTE_MS, r.start, r));
      for (const span of coarseSpans) {
        const start = startOf(r.start, span);
        coarse.set(`${id}:${span}:${start}`, { tag: r.tag, id, span, start });
      }
    }
    // Coarser rows are rebuilt from their minutes (a handful of rows each).
    for (const { tag, id, span, start } of coarse.values()) {
      const row = emptyRollup(tag, span, start);
      for (const m of select.all(id, MINUTE_MS, start, start + span - 1)) mergeRollup(row, rowFromTuple(tag, MINUTE_MS, m));
      replace.run(...values(id, span, start, row));
    }
  });

  return {
    merge(rows) {
      // No nested transaction (a savepoint journals every page it touches): see samples.ts.
      if (rows.length > 0) (db.inTransaction ? mergeRows : mergeMany)(rows);
    },
    replace(rows) {
      if (rows.length > 0) replaceMany(rows);
    },
    query(tag, from, to, span = MINUTE_MS) {
      const id = ids.of(tag);
      return id === undefined ? [] : select.all(id, span, from, to).map((r) => rowFromTuple(tag, span, r));
    },
    newestMinutes() {
      const out = new Map<string, number>();
      for (const r of newest.all(MINUTE_MS)) if (r.minute !== null) out.set(r.name, r.minute);
      return out;
    },
    prune(tag, before, maxRows) {
      const id = ids.of(tag);
      if (id === undefined) return 0;
      let n = 0;
      for (const span of allSpans) {
        if (n >= maxRows) break;
        n += pruneOldest.run(id, span, before, maxRows - n).changes;
      }
      return n;
    },
  };
}
