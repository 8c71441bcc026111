// `npm run migrate-data -- --from ./data/linewatch.db --to postgres://…`: copies an embedded
// (SQLite) installation into PostgreSQL. The target's tables are created first; it must hold
// no Linewatch data yet. Prints each table's row count on both sides. Stop the server first:
// what it writes during the copy would not be in it.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { copySqliteToPostgres } from '../server/storage/migrate/copy-sqlite-to-postgres.ts';
import { createPostgresStore, describeDatabaseUrl } from '../server/storage/postgres/pg-store.ts';
import { createSqliteStore } from '../server/storage/sqlite/sqlite-store.ts';

const usage = 'usage: npm run migrate-data -- --from <linewatch.db> --to <postgres://user@host:port/db>';

async function main(): Promise<number> {
  let values: { from?: string; to?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help || !values.from || !values.to) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  // Brings the source up to the current schema, as a start of this version would.
  await createSqliteStore(values.from).close();
  // Creates the target's tables (migrations), then copies on one connection of its own.
  const store = await createPostgresStore(values.to);
  await store.close();
  const pool = new pg.Pool({ connectionString: values.to, max: 2 });
  const client = await pool.connect();
  // A lost connection fails the copy's next statement (rolled back); not an uncaught 'error' event.
  client.on('error', () => {});
  try {
    process.stdout.write(`copying ${values.from} → ${describeDatabaseUrl(values.to)}\n`);
    const started = performance.now();
    const counts = await copySqliteToPostgres(values.from, client, pool, (table, rows) => process.stdout.write(`  ${table}: ${rows} rows\n`));
    process.stdout.write(`\n${'table'.padEnd(20)} ${'sqlite'.padStart(10)} ${'postgres'.padStart(10)}\n`);
    for (const c of counts)
      process.stdout.write(`${c.table.padEnd(20)} ${String(c.from).padStart(10)} ${String(c.to).padStart(10)}${c.from === c.to ? '' : '  DIFFERS'}\n`);
    const same = counts.every((c) => c.from === c.to);
    process.stdout.write(
      `\n${same ? 'every table has the same row count on both sides' : 'ROW COUNTS DIFFER'} (${Math.round(performance.now() - started)} ms)\n`,
    );
    return same ? 0 : 1;
  } finally {
    client.release();
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`migrate-data failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
