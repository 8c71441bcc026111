import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe } from 'node:test';
import pg from 'pg';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';

export interface EngineUnderTest {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty store, closed after the test. */
  open(): Promise<Store>;
  /** Another store on the database of the last `open()` (another process sharing it), closed after the test. */
  openShared(): Promise<Store>;
}

interface Engine extends EngineUnderTest {
  setUp(): Promise<void>;
  /** Closes the stores the test opened. */
  closeStores(): Promise<void>;
  tearDown(): Promise<void>;
}

/** Registers `body`'s tests in one `describe` per engine: `${name} [sqlite]`, `${name} [postgres]`. */
export function eachEngine(name: string, body: (engine: EngineUnderTest) => void): void {
  for (const engine of [sqliteEngine(), postgresEngine()]) {
    describe(`${name} [${engine.name}]`, () => {
      before(() => engine.setUp());
      afterEach(() => engine.closeStores());
      after(() => engine.tearDown());
      body(engine);
    });
  }
}

function storeTracker() {
  const open: Store[] = [];
  return {
    track(store: Store): Store {
      open.push(store);
      return store;
    },
    async closeAll(): Promise<void> {
      const stores = open.splice(0);
      // One at a time: a SQLite store's close flushes writes, possibly behind another's lock.
      for (const store of stores.reverse()) await store.close();
    },
  };
}

function sqliteEngine(): Engine {
  const stores = storeTracker();
  let dir = '';
  let file = '';
  let count = 0;
  return {
    name: 'sqlite',
    async setUp() {
      dir = await mkdtemp(join(tmpdir(), 'lw-conformance-'));
    },
    async open() {
      file = join(dir, `store-${++count}.db`);
      // `await`: the store may be made synchronously or not, the contract of its use is the same.
      return stores.track(await createSqliteStore(file));
    },
    async openShared() {
      return stores.track(await createSqliteStore(file));
    },
    closeStores: () => stores.closeAll(),
    async tearDown() {
      await stores.closeAll();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Empties every table but schema_migrations and restarts every sequence, in one round trip.
 * DELETE with triggers off (the append-only guards; foreign keys are triggers too), not
 * TRUNCATE: on these few rows ~25 ms instead of ~200 ms. Needs a superuser, as CREATE DATABASE
 * on the test server does anyway.
 */
const emptyTables = `DO $$ DECLARE r record; BEGIN
    SET LOCAL session_replication_role = replica;
    FOR r IN SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
      EXECUTE 'DELETE FROM ' || r.name;
    END LOOP;
    FOR r IN SELECT quote_ident(sequencename) AS name FROM pg_sequences WHERE schemaname = 'public' LOOP
      EXECUTE 'ALTER SEQUENCE ' || r.name || ' RESTART';
    END LOOP;
  END $$`;

/**
 * One database per `eachEngine` block, made and dropped here; between tests it is brought
 * back to how the migrations left it: tables made since (partitions) dropped, the others
 * emptied. Measured on a loaded 2-core machine: ~25 ms; TRUNCATE ~200 ms, a fresh database
 * from a template ~260 ms.
 */
function postgresEngine(): Engine {
  const stores = storeTracker();
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let databaseUrl = '';
  let maintenance: pg.Client | undefined;
  let migratedTables: string[] | undefined;

  async function tables(client: pg.Client): Promise<string[]> {
    const { rows } = await client.query<{ name: string }>("SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'");
    return rows.map((r) => r.name);
  }

  async function reset(client: pg.Client, baseline: string[]): Promise<void> {
    const made = (await tables(client)).filter((t) => !baseline.includes(t));
    if (made.length > 0) await client.query(`DROP TABLE IF EXISTS ${made.join(', ')} CASCADE`);
    await client.query(emptyTables);
    // The one row a migration seeds (pg-alarms.ts): without it an engine cannot reserve seqs.
    await client.query('INSERT INTO alarm_seq (id, next) VALUES (1, 1)');
  }

  return {
    name: 'postgres',
    async setUp() {
      database = await createTestDatabase('lw_conf');
      databaseUrl = database.url;
      const own = new pg.Client({ connectionString: databaseUrl });
      await own.connect();
      maintenance = own;
      // Nothing here needs to survive a crash: commits need not wait for the disk (new sessions: the stores').
      await own.query(`ALTER DATABASE ${database.name} SET synchronous_commit = off`);
    },
    async open() {
      if (!maintenance) throw new Error('PostgreSQL test database not set up');
      if (migratedTables) await reset(maintenance, migratedTables);
      const store = stores.track(await createPostgresStore(databaseUrl));
      migratedTables ??= await tables(maintenance);
      return store;
    },
    async openShared() {
      return stores.track(await createPostgresStore(databaseUrl));
    },
    closeStores: () => stores.closeAll(),
    async tearDown() {
      await stores.closeAll();
      await maintenance?.end();
      await database?.drop();
    },
  };
}
