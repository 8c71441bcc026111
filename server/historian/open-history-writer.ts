import type { Logger } from '../log/logger.ts';
import type { Store } from '../storage/store.ts';
import { createStoreWriter, type HistoryWriter } from './history-writer.ts';
import { createWorkerWriter } from './worker-writer.ts';

/**
 * The historian's writer for the chosen engine. SQLite writes on the calling thread, so its
 * batches (and most WAL checkpoints) go to a worker thread with its own connection;
 * PostgreSQL's client is asynchronous already: its writes go through the store.
 */
export function openHistoryWriter(store: Store, log: Logger): HistoryWriter {
  return store.location.engine === 'sqlite' ? createWorkerWriter({ file: store.location.file, log }) : createStoreWriter(store);
}
