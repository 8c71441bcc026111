import type pg from 'pg';
import { highestTokens } from '../rows/write-fences.ts';
import type { WriteFence } from '../store.ts';
import type { Migration } from './pg-migrate.ts';

export const postgresWriteFenceMigrations: Migration[] = [
  {
    id: 'write-fences-1',
    // The highest lease token that claimed each resource (store.ts `WriteFence`); no row: never fenced.
    sql: `CREATE TABLE write_fences (
        resource text PRIMARY KEY,
        token bigint NOT NULL
      );`,
  },
];

/**
 * Claims fences in the caller's transaction: raises each resource's fence to the highest token
 * given for it (never lowers it) and answers each resource's fence after (rows/write-fences.ts
 * `withinFence` tells which writes go ahead). The upsert locks every fence row it touches — an
 * absent one too: it inserts it — until the transaction ends, so a new owner's raise waits for
 * a writer that claimed before it (whose rows the new owner then reads), and a writer that
 * comes after finds the raised fence.
 */
export async function claimFences(client: pg.ClientBase, fences: readonly WriteFence[]): Promise<Map<string, number>> {
  const highest = highestTokens(fences);
  if (highest.length === 0) return new Map();
  const { rows } = await client.query<{ resource: string; token: number }>(
    `INSERT INTO write_fences (resource, token) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (resource) DO UPDATE SET token = greatest(write_fences.token, excluded.token) RETURNING resource, token`,
    [highest.map(([resource]) => resource), highest.map(([, token]) => token)],
  );
  return new Map(rows.map((r) => [r.resource, Number(r.token)]));
}
