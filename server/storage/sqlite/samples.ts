import type Database from 'better-sqlite3';
import type { Synchronous } from './promised.ts';
import type { Sample } from '../../../lib/types.ts';
import { qualityCode, qualityName } from '../rows/sample-rows.ts';
import type { HistoryPoint, SampleRepository } from '../store.ts';
import type { Migration } from './migrate.ts';

export const sampleMigrations: Migration[] = [
  {
    id: 'samples-1',
    sql: `CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE samples (
        tag_id INTEGER NOT NULL REFERENCES tags(id),
        ts INTEGER NOT NULL,
        value REAL,
        quality INTEGER NOT NULL,
        reason TEXT,
        PRIMARY KEY (tag_id, ts)
      ) WITHOUT ROWID;`,
  },
];

export function createSqliteSamples(db: Database.Database): Synchronous<SampleRepository> {
  const tagIds = new Map<string, number>();
  const selectTag = db.prepare<[string], { id: number }>('SELECT id FROM tags WHERE name = ?');
  const insertTag = db.prepare<[string]>('INSERT INTO tags (name) VALUES (?)');
  const insertSample = db.prepare<[number, number, number | null, number, string | null]>(
    'INSERT OR REPLACE INTO samples (tag_id, ts, value, quality, reason) VALUES (?, ?, ?, ?, ?)',
  );
  const allTags = db.prepare<[], { name: string }>('SELECT name FROM tags ORDER BY id');
  const pruneOldest = db.prepare<[number, number, number]>('DELETE FROM samples WHERE tag_id = ? AND ts < ? ORDER BY ts LIMIT ?');
  const selectRange = db.prepare<[number, number, number, number], { ts: number; value: number | null; quality: number; reason: string | null }>(
    'SELECT ts, value, quality, reason FROM samples WHERE tag_id = ? AND ts BETWEEN ? AND ? ORDER BY ts LIMIT ?',
  );

  function idOf(tag: string, create: boolean): number | undefined {
    let id = tagIds.get(tag);
    if (id !== undefined) return id;
    id = selectTag.get(tag)?.id;
    if (id === undefined && create) id = Number(insertTag.run(tag).lastInsertRowid);
    if (id !== undefined) tagIds.set(tag, id);
    return id;
  }

  const insertRows = (samples: readonly Sample[]) => {
    for (const s of samples) {
      insertSample.run(idOf(s.tag, true)!, Math.round(s.ts), s.value, qualityCode[s.quality], s.reason ?? null);
    }
  };
  const insertMany = db.transaction(insertRows);

  return {
    insert(samples) {
      if (samples.length === 0) return;
      // Inside a caller's transaction, no nested one: a savepoint would copy every page it
      // touches to a statement journal first (measured: a third of the insert rate).
      if (db.inTransaction) insertRows(samples);
      else insertMany(samples);
    },
    query(tag, from, to, limit) {
      const id = idOf(tag, false);
      if (id === undefined) return [];
      return selectRange.all(id, from, to, limit).map(
        (r): HistoryPoint => ({
          ts: r.ts,
          value: r.value,
          quality: qualityName[r.quality] ?? 'bad',
          ...(r.reason ? { reason: r.reason } : {}),
        }),
      );
    },
    tags: () => allTags.all().map((r) => r.name),
    prune(tag, before, maxRows) {
      const id = idOf(tag, false);
      return id === undefined ? 0 : pruneOldest.run(id, before, maxRows).changes;
    },
  };
}
