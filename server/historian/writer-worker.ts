/**
 * History writer thread: owns a read-write connection to the SQLite file and runs the
 * historian's write transactions, retention deletes and (through SQLite's auto-checkpoint on
 * this connection) most WAL checkpoints, so none of them block the main event loop.
 * Started by worker-writer.ts, after the main thread's store has migrated the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { HistoryPoint } from '../storage/store.ts';
import { createSqliteRollups } from '../storage/sqlite/rollups.ts';
import { createSqliteSamples } from '../storage/sqlite/samples.ts';
import { rawBefore, REBUILD_LIMIT, unpackSamples } from './history-writer.ts';
import { minuteRollupsOf } from './rollup-accumulator.ts';
import type { WriterReply, WriterRequest, WriterWorkerData } from './writer-messages.ts';

const { file } = workerData as WriterWorkerData;
// Not reniced, unlike the query workers: while this thread holds the write lock, a write on
// the main connection (a session touch, an audit row) waits for it; a starved writer would
// make the main loop wait longer (priority inversion).
const db = new Database(file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
// Foreign keys stay off on this connection: every tag id it writes comes from the `tags`
// table through this same connection, so the check per sample (a lookup in `tags`) could
// never fail, and it cost 8–29 % of the insert rate (bare insert loops with and without it,
// 300 k samples over 1000 tags, 4 interleaved pairs).
db.pragma('foreign_keys = OFF');
const samples = createSqliteSamples(db);
const rollups = createSqliteRollups(db);
const writeBatch = db.transaction((msg: Extract<WriterRequest, { op: 'write' }>) => {
  samples.insert(unpackSamples(msg.samples));
  rollups.merge(msg.rollups);
});

function run(msg: WriterRequest): unknown {
  switch (msg.op) {
    case 'write':
      writeBatch(msg);
      return null;
    case 'prune':
      return msg.kind === 'raw' ? samples.prune(msg.tag, msg.before, msg.maxRows) : rollups.prune(msg.tag, msg.before, msg.maxRows);
    case 'tags':
      return samples.tags();
    case 'rebuild': {
      // Read outside the write transaction (WAL: no lock); only the replace holds the lock.
      // The SQLite repositories answer synchronously (promised.ts).
      const points = samples.query(msg.tag, msg.from, msg.before, REBUILD_LIMIT) as HistoryPoint[];
      const rows = minuteRollupsOf(msg.tag, rawBefore(points, msg.before));
      rollups.replace(rows);
      return rows.length;
    }
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
parentPort!.on('close', () => {
  if (db.open) db.close();
});
