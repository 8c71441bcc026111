import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** A server where tests may create and drop databases (trust auth on the CI machine). */
const postgresServerUrl = process.env.LINEWATCH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `url` with another database name. */
function withDatabase(url: string, database: string): string {
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

/** `url` reached through a TCP forwarder (tcp-proxy.ts) to the same server: a database outage on demand. */
export async function throughProxy(url: string): Promise<{ url: string; proxy: TcpProxy }> {
  const target = new URL(url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  target.host = `127.0.0.1:${proxy.port}`;
  return { url: target.toString(), proxy };
}
