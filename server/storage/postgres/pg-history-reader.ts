import pg from 'pg';
import type { ExportRow, HistoryReader } from '../history-reader.ts';
import type { AlarmActivationRow } from '../store.ts';
import { emitRollupPoints, rollupColumns, rollupEdgePoint, rollupPointColumns, type RollupPointTuple, type RollupTuple } from '../rows/rollup-rows.ts';
import { qualityName, type RawTuple, sampleValue } from '../rows/sample-rows.ts';
import { toHistoryPoint } from './pg-samples.ts';
import { pgTagIds } from './pg-tag-ids.ts';
import { int8AsNumber } from './pg-transaction.ts';

/** Raw rows fetched per round trip: bounds the memory of a long eachRaw. */
const RAW_PAGE = 20_000;

/**
 * A HistoryReader on its own connection (query workers and export jobs open one each),
 * answering exactly as the SQLite reader does for the same data. A pool of one, not a bare
 * client: a connection lost (the database restarted, the network cut) is replaced on the
 * next query instead of failing every query after it.
 */
export async function openPostgresHistoryReader(url: string): Promise<HistoryReader> {
  const client = new pg.Pool({ connectionString: url, max: 1, application_name: 'linewatch-history-reader' });
  // A connection lost while idle must not end the worker: the pool drops it.
  client.on('error', () => {});
  // Fails here, at open, when the database cannot be reached.
  await client.query('SELECT 1');
  const ids = pgTagIds(client);
  let closing: Promise<void> | undefined;

  async function select<R extends unknown[]>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return (await client.query<R>({ name, text, values, rowMode: 'array', types: int8AsNumber })).rows;
  }

  return {
    async eachRaw(tag, from, to, sink) {
      const id = await ids.of(tag);
      if (id === undefined) return 0;
      let n = 0;
      // Pages by key (ts is unique per tag): memory stays flat however long the range.
      for (let next = from; ; ) {
        const rows = await select<RawTuple>(
          'lw-read-raw',
          'SELECT ts, value, quality FROM samples WHERE tag_id = $1 AND ts >= $2 AND ts <= $3 ORDER BY ts LIMIT $4',
          [id, next, to, RAW_PAGE],
        );
        for (const r of rows) sink(r[0], sampleValue(r[1], r[2]));
        n += rows.length;
        if (rows.length < RAW_PAGE) return n;
        next = rows[rows.length - 1]![0] + 1;
      }
    },
    async eachRollupPoint(tag, span, from, to, sink) {
      const id = await ids.of(tag);
      if (id === undefined) return 0;
      const rows = await select<RollupPointTuple>(
        'lw-read-rollup-points',
        `SELECT ${rollupPointColumns} FROM rollups WHERE tag_id = $1 AND span = $2 AND start BETWEEN $3 AND $4 ORDER BY start`,
        [id, span, from, to],
      );
      for (const r of rows) emitRollupPoints(r, sink);
      return rows.length;
    },
    async rawEdge(tag, ts, side) {
      const id = await ids.of(tag);
      if (id === undefined) return undefined;
      const [r] =
        side === 'before'
          ? await select<RawTuple>('lw-read-raw-before', 'SELECT ts, value, quality FROM samples WHERE tag_id = $1 AND ts < $2 ORDER BY ts DESC LIMIT 1', [
              id,
              ts,
            ])
          : await select<RawTuple>('lw-read-raw-after', 'SELECT ts, value, quality FROM samples WHERE tag_id = $1 AND ts > $2 ORDER BY ts LIMIT 1', [id, ts]);
      return r && [r[0], sampleValue(r[1], r[2])];
    },
    async rollupEdge(tag, span, ts, side) {
      const id = await ids.of(tag);
      if (id === undefined) return undefined;
      const [r] =
        side === 'before'
          ? await select<RollupTuple>(
              'lw-read-rollup-before',
              `SELECT ${rollupColumns} FROM rollups WHERE tag_id = $1 AND span = $2 AND start < $3 ORDER BY start DESC LIMIT 1`,
              [id, span, ts],
            )
          : await select<RollupTuple>(
              'lw-read-rollup-after',
              `SELECT ${rollupColumns} FROM rollups WHERE tag_id = $1 AND span = $2 AND start > $3 ORDER BY start LIMIT 1`,
              [id, span, ts],
            );
      return r && rollupEdgePoint(r, side);
    },
    async newestRollupStart(tag, span) {
      const id = await ids.of(tag);
      if (id === undefined) return undefined;
      const [r] = await select<[number | null]>('lw-read-newest-rollup', 'SELECT max(start) FROM rollups WHERE tag_id = $1 AND span = $2', [id, span]);
      return r?.[0] ?? undefined;
    },
    async rawPoints(tag, from, to, limit) {
      const id = await ids.of(tag);
      if (id === undefined) return [];
      const rows = await select<[number, number | null, number, string | null]>(
        'lw-read-raw-points',
        'SELECT ts, value, quality, reason FROM samples WHERE tag_id = $1 AND ts BETWEEN $2 AND $3 ORDER BY ts LIMIT $4',
        [id, from, to, limit],
      );
      return rows.map(toHistoryPoint);
    },
    async exportRows(tags, from, to) {
      const known: number[] = [];
      for (const tag of tags) {
        const id = await ids.of(tag);
        if (id !== undefined) known.push(id);
      }
      if (known.length === 0) return [];
      // COLLATE "C": tag names in code point order, as SQLite's BINARY collation sorts them.
      const rows = await select<[number, string, number | null, number | string, string | null]>(
        'lw-read-export',
        `SELECT s.ts, t.name, s.value, s.quality, s.reason FROM samples s JOIN tags t ON t.id = s.tag_id
         WHERE s.tag_id = ANY($1::int[]) AND s.ts >= $2 AND s.ts < $3 ORDER BY s.ts, t.name COLLATE "C"`,
        [known, from, to],
      );
      // Rewritten in place: an export reads millions of rows, each allocation counts.
      for (const r of rows) r[3] = qualityName[r[3] as number] ?? 'bad';
      return rows as unknown as ExportRow[];
    },
    async alarmActivations(from, to) {
      // One statement, so one snapshot: lastSeq is that of the journal the activations came from.
      // The one-row side keeps lastSeq when no activation matches.
      const rows = await select<[number | null, string, string, string, AlarmActivationRow['priority'], boolean, number]>(
        'lw-read-activations',
        `SELECT j.ts, j.alarm_id, j.message, j.line, j.priority, j.suppressed, m.seq
         FROM (SELECT coalesce(max(seq), 0) AS seq FROM alarm_events) m
         LEFT JOIN alarm_events j ON j.transition = 'raised' AND j.ts >= $1 AND j.ts < $2
         ORDER BY j.ts, j.seq`,
        [from, to],
      );
      const activations: AlarmActivationRow[] = [];
      for (const [ts, alarm, message, line, priority, suppressed] of rows) {
        if (ts !== null) activations.push({ ts, alarm, message, line, priority, suppressed });
      }
      return { activations, lastSeq: rows[0]?.[6] ?? 0 };
    },
    close() {
      closing ??= client.end().catch(() => {});
      return closing;
    },
  };
}
