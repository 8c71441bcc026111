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
import { answerBody } from './answer-body.ts';
import { overallResolution, runTrend, trendResponseJson } from './trend-query.ts';

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
      return {
        reply: { id: msg.id, ok: true, op: 'alarmKpis', result: kpisOfJournal(activations, lastSeq, msg.request), ms: performance.now() - started },
        transfer: [],
      };
    }
    reader ??= openSqliteHistoryReader(file);
    if (msg.op === 'trend') {
      // The whole answer is made here, down to the (compressed) bytes: the main thread only writes them out.
      const { gzip, ...request } = msg.request;
      const series = request.tags.map((tag) => runTrend(reader!, { ...request, tag }));
      const tookMs = Math.round((performance.now() - started) * 100) / 100;
      const body = answerBody(trendResponseJson(request, series, tookMs), gzip);
      const summary = series.map((s) => ({ tag: s.tag, resolution: s.resolution, points: s.t.length, scanned: s.scanned }));
      const result = { body, resolution: overallResolution(series), tookMs, series: summary };
      return { reply: { id: msg.id, ok: true, op: 'trend', result, ms: performance.now() - started }, transfer: [body.bytes] };
    }
    const { tag, from, to, limit, gzip } = msg.request;
    const points = reader.rawPoints(tag, from, to, limit + 1);
    const truncated = points.length > limit;
    const json = JSON.stringify({
      tag,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      resolution: 'raw',
      truncated,
      points: points.slice(0, limit),
    });
    const body = answerBody(json, gzip);
    return { reply: { id: msg.id, ok: true, op: 'points', result: { body, truncated }, ms: performance.now() - started }, transfer: [body.bytes] };
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
