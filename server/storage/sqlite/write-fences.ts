import type Database from 'better-sqlite3';
import { highestTokens } from '../rows/write-fences.ts';
import type { WriteFence } from '../store.ts';
import type { Migration } from './migrate.ts';

export const writeFenceMigrations: Migration[] = [
  {
    id: 'write-fences-1',
    // The highest lease token that claimed each resource (store.ts `WriteFence`); no row: never fenced.
    sql: `CREATE TABLE write_fences (
        resource TEXT PRIMARY KEY,
        token INTEGER NOT NULL
      ) WITHOUT ROWID;`,
  },
];

/**
 * Claims fences on `db`, inside the caller's transaction if any: raises each resource's fence
 * to the highest token given for it (never lowers it) and answers each resource's fence after
 * (rows/write-fences.ts `withinFence` tells which writes go ahead). SQLite has one writer at a
 * time: a claim and the writes after it cannot interleave with another owner's.
 */
export function fenceClaimer(db: Database.Database): (fences: readonly WriteFence[]) => Map<string, number> {
  const claim = db.prepare<[string, number], { token: number }>(
    `INSERT INTO write_fences (resource, token) VALUES (?, ?)
     ON CONFLICT (resource) DO UPDATE SET token = max(token, excluded.token) RETURNING token`,
  );
  return (fences) => new Map(highestTokens(fences).map(([resource, token]) => [resource, claim.get(resource, token)!.token]));
}
