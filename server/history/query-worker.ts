/**
 * Query worker thread: answers history reads on its own read-only SQLite connection, so
 * the main event loop never waits on a read. Started by query-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HistoryReader } from '../storage/history-reader.ts';
import { openSqliteHistoryReader } from '../storage/sqlite/history-reader.ts';
import { lowerThreadPriority } from '../util/thread-priority.ts';
import type { QueryReply, QueryRequest, QueryWorkerData } from './query-messages.ts';
import { runTrend, seriesJson } from './trend-query.ts';

const { file } = workerData as QueryWorkerData;
// History reads may wait; the live path may not.
lowerThreadPriority(10);
let reader: HistoryReader | undefined;

function answer(msg: QueryRequest): { reply: QueryReply; transfer: ArrayBuffer[] } {
  const started = performance.now();
  try {
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
parentPort!.on('close', () => reader?.close());
