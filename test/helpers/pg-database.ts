import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A server where tests may create and drop databases (trust auth on the CI machine). */
export const postgresServerUrl = process.env.LINEWATCH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `url` with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new, empty PostgreSQL database for one test file; `drop()` removes it (connections and all). */
export async function createTestDatabase(prefix = 'lw_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresServerUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(postgresServerUrl, name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: postgresServerUrl, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
