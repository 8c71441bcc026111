/**
 * Query worker thread: answers history reads and alarm KPIs on its own read-only SQLite
 * connections, so the main event loop never waits on a read. Started by query-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { kpisOfJournal } from '../alarms/alarm-kpis.ts';
import type { HistoryReader } from '../storage/history-reader.ts';
import { createActivationReader } from '../storage/sqlite/alarms.ts';
import { openReadOnly, openSqliteHistoryReader } from '../storage/sqlite/history-reader.ts';
import { lowerThreadPriority } from '../util/thread-priority.ts';
import type { QueryReply, QueryRequest, QueryWorkerData } from './query-messages.ts';
import { runTrend, seriesJson } from './trend-query.ts';

const { file } = workerData as QueryWorkerData;
// History reads may wait; the live path may not.
lowerThreadPriority(10);
let reader: HistoryReader | undefined;
let journal: { db: Database.Database; activations: ReturnType<typeof createActivationReader> } | undefined;

function openJournal(): NonNullable<typeof journal> {
  const db = openReadOnly(file);
  return { db, activations: createActivationReader(db) };
}

function answer(msg: QueryRequest): { reply: QueryReply; transfer: ArrayBuffer[] } {
  const started = performance.now();
  try {
    if (msg.op === 'alarmKpis') {
      // Up to 31 days of journal: read and reduced here, only the figures go back.
      journal ??= openJournal();
      const { from, to } = msg.request;
      const { activations, lastSeq } = journal.activations(from, to);
      return { reply: { id: msg.id, ok: true, op: 'alarmKpis', result: kpisOfJournal(activations, lastSeq, msg.request), ms: performance.now() - started }, transfer: [] };
    }
    reader ??= openSqliteHistoryReader(file);
    if (msg.op === 'trend') {
      // Serialised here too: the main thread only splices the text into its answer.
      const result = seriesJson(runTrend(reader, msg.request));
      return { reply: { id: msg.id, ok: true, op: 'trend', result, ms: performance.now() - started }, transfer: [] };
    }
    const result = reader.rawPoints(msg.tag, msg.from, msg.to, msg.limit);
    return { reply: { id: msg.id, ok: true, op: 'points', result, ms: performance.now() - started }, transfer: [] };
  } catch (error) {
    return { reply: { id: msg.id, ok: false, message: error instanceof Error ? error.message : String(error) }, transfer: [] };
  }
}

parentPort!.on('message', (msg: QueryRequest) => {
  const { reply, transfer } = answer(msg);
  parentPort!.postMessage(reply, transfer);
});
parentPort!.on('close', () => {
  reader?.close();
  journal?.db.close();
});
