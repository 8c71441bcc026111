import { ConfigError } from '../../lib/errors.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export type StoreConfig = { driver: 'sqlite'; file: string };

/** Chooses the storage backend once, at start; an unknown driver is a configuration error. */
export function openStore(config: StoreConfig): Store {
  switch (config.driver) {
    case 'sqlite':
      return createSqliteStore(config.file);
    default:
      throw new ConfigError(`unknown storage driver "${(config as { driver: string }).driver}"`, {
        problems: [`storage.driver: unknown driver "${(config as { driver: string }).driver}"`],
      });
  }
}
