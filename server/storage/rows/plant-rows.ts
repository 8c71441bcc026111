import { ConflictError } from '../../../lib/errors.ts';
import type { PlantVersion, PlantVersionInfo } from '../store.ts';

/**
 * A row of `plant_versions`. The plant is JSON text in both engines (text in PostgreSQL too,
 * not jsonb): jsonb would reorder its keys, and the stored plant is what an admin diffs.
 */
export type PlantInfoRow = { version: number; applied_at: number; applied_by: string; comment: string | null };
export type PlantRow = PlantInfoRow & { plant: string };

/** The columns of a version without its plant, in both engines. */
export const plantInfoColumns = 'version, applied_at, applied_by, comment';
export const plantColumns = `${plantInfoColumns}, plant`;

/** `list()` without a limit. */
export const plantListLimit = 200;

export const toPlantInfo = (r: PlantInfoRow): PlantVersionInfo => ({
  version: r.version,
  appliedAt: r.applied_at,
  appliedBy: r.applied_by,
  comment: r.comment,
});

export const toPlantVersion = (r: PlantRow): PlantVersion => ({ ...toPlantInfo(r), plant: JSON.parse(r.plant) as unknown });

/** The plant as the JSON text stored; a TypeError for a value JSON cannot hold (undefined, a function). */
export function plantText(plant: unknown): string {
  const text = JSON.stringify(plant) as string | undefined;
  if (text === undefined) throw new TypeError('a plant version must be JSON-serialisable');
  return text;
}

/** The refusal of an append whose base is not the newest version (null: none). */
export function staleBase(base: number | null, current: number | null, cause?: unknown): ConflictError {
  return new ConflictError(`plant version ${base ?? 'none'} is not the current version (${current ?? 'none'})`, { field: 'baseVersion', cause });
}
