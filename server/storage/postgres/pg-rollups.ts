import type pg from 'pg';
import { rollupSpans } from '../../../lib/history/trend.ts';
import { emptyRollup, MINUTE_MS, mergeRollup, startOf } from '../../historian/rollup-accumulator.ts';
import type { RollupRepository, RollupRow } from '../store.ts';
import { rollupColumns, type RollupTuple, rowFromTuple } from '../rows/rollup-rows.ts';
import { pgTagIds } from './pg-tag-ids.ts';
import { int8AsNumber, inTransaction } from './pg-transaction.ts';

const coarseSpans = rollupSpans.map((s) => s.span).filter((s) => s > MINUTE_MS);
const allSpans = rollupSpans.map((s) => s.span);

const columns = `tag_id, span, ${rollupColumns}`;
/** The rows as one array per column (one statement whatever the batch size). */
const fromArrays = `SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::int[], $5::int[], $6::float8[], $7::bigint[],
  $8::float8[], $9::bigint[], $10::float8[], $11::float8[], $12::bigint[], $13::float8[], $14::bigint[], $15::bigint[])`;

// In DO UPDATE, `r.` is the stored row and `excluded.` the new one; every SET expression sees
// the stored values. The same rules as mergeRollup (rollup-accumulator.ts) and SQLite's merge.
const mergeSql = `INSERT INTO rollups AS r (${columns}) ${fromArrays}
  ON CONFLICT (tag_id, span, start) DO UPDATE SET
    count = r.count + excluded.count,
    bad = r.bad + excluded.bad,
    min_ts = CASE WHEN r.min IS NULL OR excluded.min < r.min THEN excluded.min_ts ELSE r.min_ts END,
    min = CASE WHEN r.min IS NULL OR excluded.min < r.min THEN excluded.min ELSE r.min END,
    max_ts = CASE WHEN r.max IS NULL OR excluded.max > r.max THEN excluded.max_ts ELSE r.max_ts END,
    max = CASE WHEN r.max IS NULL OR excluded.max > r.max THEN excluded.max ELSE r.max END,
    sum = CASE WHEN r.sum IS NULL THEN excluded.sum WHEN excluded.sum IS NULL THEN r.sum ELSE r.sum + excluded.sum END,
    first_ts = CASE WHEN r.first_ts IS NULL OR excluded.first_ts < r.first_ts THEN excluded.first_ts ELSE r.first_ts END,
    first = CASE WHEN r.first_ts IS NULL OR excluded.first_ts < r.first_ts THEN excluded.first ELSE r.first END,
    last_ts = CASE WHEN r.last_ts IS NULL OR excluded.last_ts >= r.last_ts THEN excluded.last_ts ELSE r.last_ts END,
    last = CASE WHEN r.last_ts IS NULL OR excluded.last_ts >= r.last_ts THEN excluded.last ELSE r.last END,
    gap_ts = CASE WHEN r.gap_ts IS NULL OR excluded.gap_ts < r.gap_ts THEN excluded.gap_ts ELSE r.gap_ts END`;

const replaceSql = `INSERT INTO rollups (${columns}) ${fromArrays}
  ON CONFLICT (tag_id, span, start) DO UPDATE SET count = excluded.count, bad = excluded.bad, min = excluded.min,
    min_ts = excluded.min_ts, max = excluded.max, max_ts = excluded.max_ts, sum = excluded.sum, first = excluded.first,
    first_ts = excluded.first_ts, last = excluded.last, last_ts = excluded.last_ts, gap_ts = excluded.gap_ts`;

const keyOf = (r: RollupRow) => `${r.tag}\u0000${r.span}\u0000${r.start}`;

/** The rows as column arrays for `fromArrays`. */
function toArrays(rows: Iterable<RollupRow>, ids: ReadonlyMap<string, number>): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 15 }, () => []);
  for (const r of rows) {
    const v = [ids.get(r.tag)!, r.span, r.start, r.count, r.bad, r.min, r.minTs, r.max, r.maxTs, r.sum, r.first, r.firstTs, r.last, r.lastTs, r.gapTs];
    for (let c = 0; c < 15; c++) cols[c]!.push(v[c]);
  }
  return cols;
}

/**
 * Merges rows into the stored ones, on a client inside the caller's transaction. Rows of the
 * same interval within the batch (a late sample's row) are folded together first: one
 * statement may not update a row twice.
 */
export async function mergeRollupRows(client: pg.ClientBase, rows: readonly RollupRow[], ids: ReadonlyMap<string, number>): Promise<void> {
  const byKey = new Map<string, RollupRow>();
  for (const r of rows) {
    const key = keyOf(r);
    let into = byKey.get(key);
    if (!into) byKey.set(key, (into = emptyRollup(r.tag, r.span, r.start)));
    mergeRollup(into, r);
  }
  await client.query({ name: 'lw-rollups-merge', text: mergeSql, values: toArrays(byKey.values(), ids) });
}

/** Stored 1-minute rows inside each of the given (tag, span, start) intervals, folded into one row per interval. */
async function rebuildCoarse(client: pg.ClientBase, intervals: readonly { tag: string; id: number; span: number; start: number }[]): Promise<RollupRow[]> {
  const { rows } = await client.query<[number, ...RollupTuple]>({
    text: `SELECT k.i, ${rollupColumns.replace(/(\w+)/g, 'm.$1')}
      FROM unnest($1::int[], $2::int[], $3::bigint[]) WITH ORDINALITY AS k(tag_id, span, start, i)
      JOIN rollups m ON m.tag_id = k.tag_id AND m.span = ${MINUTE_MS} AND m.start >= k.start AND m.start < k.start + k.span
      ORDER BY k.i, m.start`,
    values: [intervals.map((k) => k.id), intervals.map((k) => k.span), intervals.map((k) => k.start)],
    rowMode: 'array',
    types: int8AsNumber,
  });
  const out = intervals.map((k) => emptyRollup(k.tag, k.span, k.start));
  for (const [i, ...m] of rows) mergeRollup(out[i - 1]!, rowFromTuple('', MINUTE_MS, m));
  return out;
}

export function createPostgresRollups(pool: pg.Pool): RollupRepository {
  const ids = pgTagIds(pool);
  return {
    async merge(rows) {
      if (rows.length === 0) return;
      const tagIds = await ids.ensure(rows.map((r) => r.tag));
      await inTransaction(pool, (client) => mergeRollupRows(client, rows, tagIds));
    },
    async replace(rows) {
      if (rows.length === 0) return;
      const tagIds = await ids.ensure(rows.map((r) => r.tag));
      // The last row of a minute wins, as it would replacing row by row.
      const minutes = new Map<string, RollupRow>();
      for (const r of rows) minutes.set(keyOf({ ...r, span: MINUTE_MS }), { ...r, span: MINUTE_MS });
      const coarse = new Map<string, { tag: string; id: number; span: number; start: number }>();
      for (const r of minutes.values()) {
        for (const span of coarseSpans) {
          const start = startOf(r.start, span);
          coarse.set(`${r.tag}\u0000${span}\u0000${start}`, { tag: r.tag, id: tagIds.get(r.tag)!, span, start });
        }
      }
      await inTransaction(pool, async (client) => {
        await client.query({ name: 'lw-rollups-replace', text: replaceSql, values: toArrays(minutes.values(), tagIds) });
        const rebuilt = await rebuildCoarse(client, [...coarse.values()]);
        await client.query({ name: 'lw-rollups-replace', text: replaceSql, values: toArrays(rebuilt, tagIds) });
      });
    },
    async query(tag, from, to, span = MINUTE_MS) {
      const id = await ids.of(tag);
      if (id === undefined) return [];
      const { rows } = await pool.query<RollupTuple>({
        name: 'lw-rollups-range',
        text: `SELECT ${rollupColumns} FROM rollups WHERE tag_id = $1 AND span = $2 AND start BETWEEN $3 AND $4 ORDER BY start`,
        values: [id, span, from, to],
        rowMode: 'array',
        types: int8AsNumber,
      });
      return rows.map((r) => rowFromTuple(tag, span, r));
    },
    async newestMinutes() {
      const { rows } = await pool.query<{ name: string; minute: number | null }>({
        text: 'SELECT t.name, (SELECT max(start) FROM rollups r WHERE r.tag_id = t.id AND r.span = $1) AS minute FROM tags t',
        values: [MINUTE_MS],
        types: int8AsNumber,
      });
      const out = new Map<string, number>();
      for (const r of rows) if (r.minute !== null) out.set(r.name, r.minute);
      return out;
    },
    async prune(tag, before, maxRows) {
      const id = await ids.of(tag);
      if (id === undefined) return 0;
      let n = 0;
      for (const span of allSpans) {
        if (n >= maxRows) break;
        const { rowCount } = await pool.query({
          name: 'lw-rollups-prune',
          text: `DELETE FROM rollups WHERE tag_id = $1 AND span = $2
            AND start IN (SELECT start FROM rollups WHERE tag_id = $1 AND span = $2 AND start < $3 ORDER BY start LIMIT $4)`,
          values: [id, span, before, maxRows - n],
        });
        n += rowCount ?? 0;
      }
      return n;
    },
  };
}
