import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store, StoreLocation } from './store.ts';

export interface OpenStoreOptions {
  log?: Logger;
  /** How long to keep trying a database that cannot be reached at start, ms. Default 60 s. */
  waitMs?: number;
  /** Pause between tries, ms. Default 2 s. */
  retryMs?: number;
}

/**
 * Opens the store once, at start: the embedded SQLite file, or PostgreSQL (loaded only then,
 * so an embedded install never loads `pg`). Creates and migrates the tables. A PostgreSQL
 * that cannot be reached is tried again for `waitMs` (it may be starting with the machine),
 * each failure logged with the host, never the password; then the error is the start's.
 */
export async function openStore(location: StoreLocation, options: OpenStoreOptions = {}): Promise<Store> {
  if (location.engine === 'sqlite') return createSqliteStore(location.file, options);
  const { createPostgresStore } = await import('./postgres/pg-store.ts');
  const log = options.log ?? silentLogger();
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await createPostgresStore(location.url, options);
    } catch (error) {
      if (!(error instanceof UnavailableError) || Date.now() + (options.retryMs ?? 2000) > deadline) throw error;
      log.warn({ attempt, err: error }, `${error.message}; trying again`);
      await sleep(options.retryMs ?? 2000);
    }
  }
}

/** The configured store: PostgreSQL when a database URL is given, else the SQLite file in the data directory. */
export function storeLocation(config: { dataDir: string; databaseUrl?: string }): StoreLocation {
  return config.databaseUrl ? { engine: 'postgres', url: config.databaseUrl } : { engine: 'sqlite', file: join(config.dataDir, 'linewatch.db') };
}
