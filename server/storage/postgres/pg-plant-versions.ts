import type pg from 'pg';
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
import type { PlantRepository, PlantVersion } from '../store.ts';
import type { Migration } from './pg-migrate.ts';

export const postgresPlantVersionMigrations: Migration[] = [
  {
    id: 'plant-versions-1',
    // text, not jsonb: jsonb reorders keys, and the stored plant is what an admin diffs.
    sql: `CREATE TABLE plant_versions (
        version integer PRIMARY KEY,
        applied_at bigint NOT NULL,
        applied_by text NOT NULL,
        comment text,
        plant text NOT NULL
      );`,
  },
];

/**
 * Plant versions on PostgreSQL. An append is one statement: it inserts version base + 1 only
 * while base is the newest. Two appends on one base both pass that check (neither sees the
 * other's uncommitted row) but insert the same version: the second waits on the primary key
 * until the first commits, then fails with a unique violation, reported as the same conflict.
 */
export function createPostgresPlantVersions(pool: pg.Pool): PlantRepository {
  const one = async (sql: string, values: unknown[] = []) => {
    const { rows } = await pool.query<PlantRow>(sql, values);
    return rows[0] && toPlantVersion(rows[0]);
  };
  const newest = async () => (await pool.query<{ version: number | null }>('SELECT max(version) AS version FROM plant_versions')).rows[0]?.version ?? null;
  return {
    latest: () => one(`SELECT ${plantColumns} FROM plant_versions ORDER BY version DESC LIMIT 1`),
    get: (version) => one(`SELECT ${plantColumns} FROM plant_versions WHERE version = $1`, [version]),
    async list(limit = plantListLimit) {
      const { rows } = await pool.query<PlantInfoRow>(`SELECT ${plantInfoColumns} FROM plant_versions ORDER BY version DESC LIMIT $1`, [limit]);
      return rows.map(toPlantInfo);
    },
    async append({ baseVersion, plant, appliedBy, comment }) {
      const text = plantText(plant);
      let stored: PlantVersion | undefined;
      try {
        stored = await one(
          `INSERT INTO plant_versions (version, applied_at, applied_by, comment, plant)
           SELECT coalesce($1::integer, 0) + 1, $2, $3, $4, $5
           WHERE (SELECT max(version) FROM plant_versions) IS NOT DISTINCT FROM $1::integer
           RETURNING ${plantColumns}`,
          [baseVersion, Date.now(), appliedBy, comment, text],
        );
      } catch (error) {
        if ((error as { code?: unknown }).code !== '23505') throw error;
        throw staleBase(baseVersion, await newest(), error);
      }
      if (!stored) throw staleBase(baseVersion, await newest());
      return stored;
    },
  };
}
