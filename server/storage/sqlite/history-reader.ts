import Database from 'better-sqlite3';
import type { ExportRow, HistoryReader } from '../history-reader.ts';
import type { HistoryPoint } from '../store.ts';
import { createActivationReader } from './alarms.ts';
import { emitRollupPoints, rollupColumns, rollupEdgePoint, rollupPointColumns, type RollupPointTuple, type RollupTuple } from '../rows/rollup-rows.ts';
import { qualityName, type RawTuple, sampleValue } from '../rows/sample-rows.ts';

/** A read-only connection to the SQLite file (WAL: its reads never block the writer). */
export function openReadOnly(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * A HistoryReader on its own read-only connection to the SQLite file. Its statements are
 * synchronous (it runs in query workers and the export child, off the main loop); each method
 * reads to completion before its promise settles, so calls never interleave on the connection.
 */
export function openSqliteHistoryReader(file: string): HistoryReader {
  const db = openReadOnly(file);
  const ids = new Map<string, number>();
  const selectTag = db.prepare<[string], { id: number }>('SELECT id FROM tags WHERE name = ?');
  const idOf = (tag: string): number | undefined => {
    let id = ids.get(tag);
    if (id === undefined) {
      id = selectTag.get(tag)?.id;
      if (id !== undefined) ids.set(tag, id);
    }
    return id;
  };

  const raw = db
    .prepare<[number, number, number], RawTuple>('SELECT ts, value, quality FROM samples WHERE tag_id = ? AND ts BETWEEN ? AND ? ORDER BY ts')
    .raw(true);
  const rawBefore = db
    .prepare<[number, number], RawTuple>('SELECT ts, value, quality FROM samples WHERE tag_id = ? AND ts < ? ORDER BY ts DESC LIMIT 1')
    .raw(true);
  const rawAfter = db.prepare<[number, number], RawTuple>('SELECT ts, value, quality FROM samples WHERE tag_id = ? AND ts > ? ORDER BY ts LIMIT 1').raw(true);
  const rollups = db
    .prepare<[number, number, number, number], RollupPointTuple>(
      `SELECT ${rollupPointColumns} FROM rollups WHERE tag_id = ? AND span = ? AND start BETWEEN ? AND ? ORDER BY start`,
    )
    .raw(true);
  const rollupBefore = db
    .prepare<[number, number, number], RollupTuple>(
      `SELECT ${rollupColumns} FROM rollups WHERE tag_id = ? AND span = ? AND start < ? ORDER BY start DESC LIMIT 1`,
    )
    .raw(true);
  const rollupAfter = db
    .prepare<[number, number, number], RollupTuple>(`SELECT ${rollupColumns} FROM rollups WHERE tag_id = ? AND span = ? AND start > ? ORDER BY start LIMIT 1`)
    .raw(true);
  const newest = db.prepare<[number, number], { minute: number | null }>('SELECT max(start) AS minute FROM rollups WHERE tag_id = ? AND span = ?');
  const points = db.prepare<[number, number, number, number], { ts: number; value: number | null; quality: number; reason: string | null }>(
    'SELECT ts, value, quality, reason FROM samples WHERE tag_id = ? AND ts BETWEEN ? AND ? ORDER BY ts LIMIT ?',
  );
  const exportStatements = new Map<number, Database.Statement<number[], [number, string, number | null, number, string | null]>>();

  // Prepared on first use: most readers never compute alarm KPIs.
  let activations: ReturnType<typeof createActivationReader> | undefined;

  return {
    async eachRaw(tag, from, to, sink) {
      const id = idOf(tag);
      if (id === undefined) return 0;
      let n = 0;
      for (const r of raw.iterate(id, from, to)) {
        sink(r[0], sampleValue(r[1], r[2]));
        n++;
      }
      return n;
    },
    async eachRollupPoint(tag, span, from, to, sink) {
      const id = idOf(tag);
      if (id === undefined) return 0;
      const rows = rollups.all(id, span, from, to);
      for (const r of rows) emitRollupPoints(r, sink);
      return rows.length;
    },
    async rawEdge(tag, ts, side) {
      const id = idOf(tag);
      const r = id === undefined ? undefined : (side === 'before' ? rawBefore : rawAfter).get(id, ts);
      return r && [r[0], sampleValue(r[1], r[2])];
    },
    async rollupEdge(tag, span, ts, side) {
      const id = idOf(tag);
      const r = id === undefined ? undefined : (side === 'before' ? rollupBefore : rollupAfter).get(id, span, ts);
      return r && rollupEdgePoint(r, side);
    },
    async newestRollupStart(tag, span) {
      const id = idOf(tag);
      return id === undefined ? undefined : (newest.get(id, span)?.minute ?? undefined);
    },
    async rawPoints(tag, from, to, limit) {
      const id = idOf(tag);
      if (id === undefined) return [];
      return points.all(id, from, to, limit).map(
        (r): HistoryPoint => ({
          ts: r.ts,
          value: r.value,
          quality: qualityName[r.quality] ?? 'bad',
          ...(r.reason ? { reason: r.reason } : {}),
        }),
      );
    },
    async exportRows(tags, from, to) {
      const known = tags.map((t) => idOf(t)).filter((id): id is number => id !== undefined);
      if (known.length === 0) return [];
      let stmt = exportStatements.get(known.length);
      if (!stmt) {
        // Only the number of placeholders depends on the input; the values are parameters.
        stmt = db
          .prepare<number[], [number, string, number | null, number, string | null]>(
            `SELECT s.ts, t.name, s.value, s.quality, s.reason FROM samples s JOIN tags t ON t.id = s.tag_id
             WHERE s.tag_id IN (${known.map(() => '?').join(', ')}) AND s.ts >= ? AND s.ts < ? ORDER BY s.ts, t.name`,
          )
          .raw(true);
        exportStatements.set(known.length, stmt);
      }
      // Rewritten in place: an export reads millions of rows, each allocation counts.
      const rows = stmt.all(...known, from, to) as unknown as (ExportRow | [number, string, number | null, number, string | null])[];
      for (const r of rows) r[3] = qualityName[r[3] as number] ?? 'bad';
      return rows as ExportRow[];
    },
    async alarmActivations(from, to) {
      // One read transaction: the activations and the seq they reach are of the same snapshot.
      activations ??= createActivationReader(db);
      return activations(from, to);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
