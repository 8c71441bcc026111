/**
 * A PostgreSQL connection lost in the middle of a transaction (between two statements) fails
 * that transaction; it must not surface as an uncaught 'error' event, which would end the
 * server, and the pool must give a working connection once the database is back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { inTransaction } from '../../server/storage/postgres/pg-transaction.ts';
import { createTestDatabase, throughProxy } from '../helpers/pg-database.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let pool: pg.Pool;

before(async () => {
  database = await createTestDatabase('lw_pg_tx');
  const proxied = await throughProxy(database.url);
  proxy = proxied.proxy;
  pool = new pg.Pool({ connectionString: proxied.url, max: 2 });
  pool.on('error', () => {});
});

after(async () => {
  await pool?.end();
  await proxy?.close();
  await database?.drop();
});

test('a connection lost between two statements of a transaction rejects it, nothing uncaught; the next one works', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    await assert.rejects(
      inTransaction(pool, async (client) => {
        await client.query('SELECT 1');
        await proxy.cut();
        // The reset reaches the client while no statement is under way.
        await sleep(300);
        await client.query('SELECT 2');
      }),
    );
    await sleep(100);
    assert.deepEqual(uncaught, []);
    await proxy.restore();
    const answer = await inTransaction(pool, async (client) => (await client.query<{ n: number }>('SELECT 42 AS n')).rows[0]!.n);
    assert.equal(answer, 42);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
