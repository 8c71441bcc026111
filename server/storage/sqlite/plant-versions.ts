import type Database from 'better-sqlite3';
import {
  type PlantInfoRow,
  type PlantRow,
  plantColumns,
  plantInfoColumns,
  plantListLimit,
  plantText,
  staleBase,
  toPlantInfo,
  toPlantVersion,
} from '../rows/plant-rows.ts';
import type { PlantRepository } from '../store.ts';
import type { Migration } from './migrate.ts';
import type { Synchronous } from './promised.ts';

export const plantVersionMigrations: Migration[] = [
  {
    id: 'plant-versions-1',
    // The plant as the JSON text it was applied as (key order kept for diffs).
    sql: `CREATE TABLE plant_versions (
        version INTEGER PRIMARY KEY,
        applied_at INTEGER NOT NULL,
        applied_by TEXT NOT NULL,
        comment TEXT,
        plant TEXT NOT NULL
      );`,
  },
];

/**
 * Plant versions on SQLite. An append checks its base and inserts in one IMMEDIATE
 * transaction: it holds the write lock from its first read, so another connection's append
 * waits (busy_timeout) and then sees the new version, instead of both reading the same newest.
 */
export function createSqlitePlantVersions(db: Database.Database): Synchronous<PlantRepository> {
  const newest = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM plant_versions');
  const byVersion = db.prepare<[number], PlantRow>(`SELECT ${plantColumns} FROM plant_versions WHERE version = ?`);
  const latest = db.prepare<[], PlantRow>(`SELECT ${plantColumns} FROM plant_versions ORDER BY version DESC LIMIT 1`);
  const list = db.prepare<[number], PlantInfoRow>(`SELECT ${plantInfoColumns} FROM plant_versions ORDER BY version DESC LIMIT ?`);
  const insert = db.prepare<{ version: number; appliedAt: number; appliedBy: string; comment: string | null; plant: string }, PlantRow>(
    `INSERT INTO plant_versions (version, applied_at, applied_by, comment, plant)
     VALUES ($version, $appliedAt, $appliedBy, $comment, $plant) RETURNING ${plantColumns}`,
  );
  const append = db.transaction((entry: Parameters<PlantRepository['append']>[0], plant: string) => {
    const current = newest.get()?.version ?? null;
    if (current !== entry.baseVersion) throw staleBase(entry.baseVersion, current);
    const row = insert.get({ version: (current ?? 0) + 1, appliedAt: Date.now(), appliedBy: entry.appliedBy, comment: entry.comment, plant });
    return toPlantVersion(row!);
  });
  return {
    latest() {
      const row = latest.get();
      return row && toPlantVersion(row);
    },
    get(version) {
      const row = byVersion.get(version);
      return row && toPlantVersion(row);
    },
    list: (limit = plantListLimit) => list.all(limit).map(toPlantInfo),
    append: (entry) => append.immediate(entry, plantText(entry.plant)),
  };
}
