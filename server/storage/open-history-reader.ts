import type { HistoryReader } from './history-reader.ts';
import { openSqliteHistoryReader } from './sqlite/history-reader.ts';
import type { StoreLocation } from './store.ts';

/**
 * A HistoryReader on a connection of its own to the store at `location`, for query workers
 * and export jobs. The PostgreSQL reader is imported only when asked for: a SQLite install
 * never loads it.
 */
export async function openHistoryReader(location: StoreLocation): Promise<HistoryReader> {
  switch (location.engine) {
    case 'sqlite':
      return openSqliteHistoryReader(location.file);
    case 'postgres':
      return (await import('./postgres/pg-history-reader.ts')).openPostgresHistoryReader(location.url);
  }
}
