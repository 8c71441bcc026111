/**
 * History writer thread: owns a read-write connection to the SQLite file and runs the
 * historian's write transactions, retention deletes and (through SQLite's auto-checkpoint on
 * this connection) most WAL checkpoints, so none of them block the main event loop.
 * Started by worker-writer.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { unpackSamples } from './history-writer.ts';
import type { WriterReply, WriterRequest, WriterWorkerData } from './writer-messages.ts';

const { file } = workerData as WriterWorkerData;
// Not reniced, unlike the query workers: while this thread holds the write lock, a write on
// the main connection (a session touch, an audit row) waits for it; a starved writer would
// make the main loop wait longer (priority inversion).
const store = createSqliteStore(file);

function run(msg: WriterRequest): unknown {
  switch (msg.op) {
    case 'write':
      store.transaction(() => {
        store.samples.insert(unpackSamples(msg.samples));
        store.rollups.merge(msg.rollups);
      });
      return null;
    case 'prune':
      return msg.kind === 'raw' ? store.samples.prune(msg.tag, msg.before, msg.maxRows) : store.rollups.prune(msg.tag, msg.before, msg.maxRows);
    case 'tags':
      return store.samples.tags();
  }
}

parentPort!.on('message', (msg: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id: msg.id, ok: true, result: run(msg) };
  } catch (error) {
    reply = { id: msg.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
parentPort!.on('close', () => store.close());
