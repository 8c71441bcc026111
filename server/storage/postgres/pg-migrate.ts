import type pg from 'pg';
import { inTransaction } from './pg-transaction.ts';

/** A named schema step. Names are recorded, so each part of the store owns its own steps. */
export interface Migration {
  id: string;
  sql: string;
}

/**
 * Every process that starts takes this transaction-scoped advisory lock before it looks at or
 * changes the schema: two servers starting at once apply each step once, one after the other.
 */
const lockMigrations = "SELECT pg_advisory_xact_lock(hashtextextended('linewatch:migrations', 0))";

/**
 * Applies, in order, every migration not yet recorded in `schema_migrations`. Each runs in its
 * own transaction together with its record: PostgreSQL's DDL is transactional, so a failing
 * step leaves the database as it was and is tried again at the next start.
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
  const done = await inTransaction(pool, async (client) => {
    await client.query(lockMigrations);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at bigint NOT NULL)');
    const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations');
    return new Set(rows.map((r) => r.id));
  });
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    await inTransaction(pool, async (client) => {
      await client.query(lockMigrations);
      // Another process may have applied it while this one waited for the lock.
      const applied = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]);
      if (applied.rowCount) return;
      try {
        await client.query(m.sql);
      } catch (error) {
        throw new Error(`migration ${m.id} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, Date.now()]);
    });
  }
}
