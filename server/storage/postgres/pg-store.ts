import pg from 'pg';
import { ConfigError, UnavailableError } from '../../../lib/errors.ts';
import { type Logger, silentLogger } from '../../log/logger.ts';
import type { Store } from '../store.ts';
import { reportingOutages, unavailableOnOutage } from './pg-outage.ts';
import { postgresAlarmMigrations, createPostgresAlarms } from './pg-alarms.ts';
import { createPostgresAudit, createPostgresSessions, createPostgresUsers, postgresAuthMigrations } from './pg-auth.ts';
import { createPostgresRollups, createPostgresSamples, postgresHistoryMigrations, writePostgresHistory } from './pg-history.ts';
import { createPostgresJobs, postgresJobMigrations } from './pg-jobs.ts';
import { createPostgresLeases, postgresLeaseMigrations } from './pg-leases.ts';
import { migratePostgres } from './pg-migrate.ts';
import { createPostgresPlantVersions, postgresPlantVersionMigrations } from './pg-plant-versions.ts';
import { createPostgresPush, postgresPushMigrations } from './pg-push.ts';
import { createPostgresSimulationChoices, postgresSimulationChoiceMigrations } from './pg-simulation-choices.ts';
import { postgresWriteFenceMigrations } from './pg-write-fences.ts';
import { int8AsNumber } from './pg-transaction.ts';

/** How long `close()` waits for pending writes before it ends the connections anyway. */
const closeWaitMs = 5000;

/**
 * A database URL fit for messages and logs: `postgres://user@host:port/db`, never the password
 * (nor query parameters, which may hold one).
 */
export function describeDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'postgres://(unparsable URL)';
  }
  const user = decodeURIComponent(parsed.username) || parsed.searchParams.get('user') || '';
  // A socket directory may come as ?host=/run/postgresql instead of in the authority.
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const port = parsed.port || '5432';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  return `postgres://${user ? `${user}@` : ''}${host}:${port}/${database}`;
}

/** SQLSTATE classes and codes of a server that is down, starting or stopping: worth waiting for. */
const unreachableStates = /^(08|57P0[1-3])/;

/**
 * Why the store could not start, as the error `openStore` acts on: `UnavailableError` for a
 * database that cannot be reached (yet), tried again; anything the server itself refused (a
 * password, a missing database, a migration) is no matter of waiting.
 */
function startFailure(where: string, error: unknown): Error {
  const message = (error as Error).message;
  const state = [error, (error as Error).cause]
    .map((e) => (e as { code?: unknown } | undefined)?.code)
    .find((code): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code));
  if (state === undefined || unreachableStates.test(state)) {
    return new UnavailableError(`PostgreSQL at ${where} is unreachable: ${message}`, { cause: error });
  }
  return new ConfigError(`PostgreSQL at ${where}: ${message}`, { cause: error });
}

/**
 * The scale-out store: PostgreSQL through one pool. Migrations run at start (once, whichever
 * process gets there first); each repository lives in its own file with its own migrations.
 */
export async function createPostgresStore(url: string, options: { log?: Logger } = {}): Promise<Store> {
  const log = options.log ?? silentLogger();
  const where = describeDatabaseUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, types: int8AsNumber, application_name: 'linewatch' });
  // A connection that fails while idle (server restart, network) is dropped by the pool; without
  // a listener the 'error' event would end the process.
  pool.on('error', (error) => log.warn({ err: error, database: where }, 'idle PostgreSQL connection failed'));

  try {
    await migratePostgres(pool, [
      ...postgresAuthMigrations,
      ...postgresAlarmMigrations,
      ...postgresJobMigrations,
      ...postgresPushMigrations,
      ...postgresHistoryMigrations,
      ...postgresLeaseMigrations,
      ...postgresPlantVersionMigrations,
      ...postgresSimulationChoiceMigrations,
      ...postgresWriteFenceMigrations,
    ]);
  } catch (error) {
    await pool.end().catch(() => {});
    throw startFailure(where, error);
  }

  const audit = createPostgresAudit(pool);
  const guard = <T extends object>(repo: T) => reportingOutages(repo, where);
  let closed: Promise<void> | undefined;
  return {
    location: { engine: 'postgres', url },
    samples: guard(createPostgresSamples(pool)),
    rollups: guard(createPostgresRollups(pool)),
    writeHistory: unavailableOnOutage((samples, rollups) => writePostgresHistory(pool, samples, rollups), where),
    users: guard(createPostgresUsers(pool)),
    sessions: guard(createPostgresSessions(pool)),
    audit: guard(audit),
    alarms: guard(createPostgresAlarms(pool)),
    jobs: guard(createPostgresJobs(pool)),
    push: guard(createPostgresPush(pool)),
    leases: guard(createPostgresLeases(pool)),
    plant: guard(createPostgresPlantVersions(pool)),
    simulations: guard(createPostgresSimulationChoices(pool)),
    close() {
      closed ??= (async () => {
        // Queued audit rows first; the pool then waits for queries under way before it disconnects.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, closeWaitMs);
        });
        await Promise.race([audit.settled(), timeout]);
        clearTimeout(timer);
        await pool.end();
      })();
      return closed;
    },
  };
}
