import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../store.ts';
import { promised } from './promised.ts';
import { silentLogger, type Logger } from '../../log/logger.ts';
import { migrate } from './migrate.ts';
import { alarmMigrations, createSqliteAlarms } from './alarms.ts';
import { authMigrations, createSqliteAudit, createSqliteSessions, createSqliteUsers } from './auth.ts';
import { createDeferredWrites } from './deferred-writes.ts';
import { createSqliteJobs, jobMigrations } from './jobs.ts';
import { createSqliteLeases, leaseMigrations } from './leases.ts';
import { createSqlitePlantVersions, plantVersionMigrations } from './plant-versions.ts';
import { createSqlitePush, pushMigrations } from './push.ts';
import { createSqliteRollups, rollupMigrations } from './rollups.ts';
import { createSqliteSamples, sampleMigrations } from './samples.ts';
import { createSqliteSimulationChoices, simulationChoiceMigrations } from './simulation-choices.ts';
import { writeFenceMigrations } from './write-fences.ts';

/**
 * SQLite store in WAL mode. The main connection does reads and rare writes (users, logins,
 * jobs); frequent main-thread writes go through a second connection that never waits for the
 * write lock (below); raw samples and rollups are written by the history writer thread on its
 * own connection; queries run on read-only connections in workers. Each repository lives in
 * its own file with its own migrations.
 */
export function createSqliteStore(file: string, options: { log?: Logger } = {}): Store {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db, [
    ...sampleMigrations,
    ...authMigrations,
    ...alarmMigrations,
    ...rollupMigrations,
    ...jobMigrations,
    ...pushMigrations,
    ...leaseMigrations,
    ...plantVersionMigrations,
    ...simulationChoiceMigrations,
    ...writeFenceMigrations,
  ]);

  // Alarm transitions, audit rows and session touches are written from the main thread on a
  // connection that never waits for the write lock (see alarms.ts, deferred-writes.ts): busy
  // means "retry later", not a stalled event loop.
  const lockFreeWriter = new Database(file);
  lockFreeWriter.pragma('synchronous = NORMAL');
  lockFreeWriter.pragma('busy_timeout = 0');
  const deferred = createDeferredWrites(lockFreeWriter, options.log ?? silentLogger());

  const samples = createSqliteSamples(db);
  const rollups = createSqliteRollups(db);
  const writeHistory = db.transaction((batch: Parameters<Store['writeHistory']>) => {
    samples.insert(batch[0]);
    rollups.merge(batch[1]);
  });

  return {
    location: { engine: 'sqlite', file },
    samples: promised(samples),
    users: promised(createSqliteUsers(db)),
    sessions: promised(createSqliteSessions(db, lockFreeWriter, deferred)),
    audit: promised(createSqliteAudit(db, lockFreeWriter, deferred)),
    alarms: promised(createSqliteAlarms(db, lockFreeWriter)),
    rollups: promised(rollups),
    jobs: promised(createSqliteJobs(db, lockFreeWriter, deferred)),
    push: promised(createSqlitePush(db)),
    leases: promised(createSqliteLeases(db)),
    plant: promised(createSqlitePlantVersions(db)),
    simulations: promised(createSqliteSimulationChoices(db)),
    writeHistory: async (samples, rollups) => writeHistory([samples, rollups]),
    async close() {
      if (lockFreeWriter.open) {
        deferred.flush(5000);
        deferred.close();
        lockFreeWriter.close();
      }
      if (db.open) db.close();
    },
  };
}
