/**
 * Query worker thread: answers history reads and alarm KPIs on its own connection to the
 * store (SQLite: read-only), so the main event loop never waits on a read. Started by
 * query-pool.ts, which may send several requests before the first is answered: each is
 * answered when done, in any order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { kpisOfJournal } from '../alarms/alarm-kpis.ts';
import type { HistoryReader } from '../storage/history-reader.ts';
import { openHistoryReader } from '../storage/open-history-reader.ts';
import { lowerThreadPriority } from '../util/thread-priority.ts';
import type { QueryReply, QueryRequest, QueryWorkerData } from './query-messages.ts';
import { answerBody } from './answer-body.ts';
import { overallResolution, runTrend, trendResponseJson } from './trend-query.ts';

const { location } = workerData as QueryWorkerData;
// History reads may wait; the live path may not.
lowerThreadPriority(10);
let opening: Promise<HistoryReader> | undefined;

/** The reader, opened on the first request; a failed open is tried again by the next one. */
function reader(): Promise<HistoryReader> {
  opening ??= openHistoryReader(location).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

async function answer(msg: QueryRequest): Promise<{ reply: QueryReply; transfer: ArrayBuffer[] }> {
  const started = performance.now();
  try {
    const r = await reader();
    if (msg.op === 'alarmKpis') {
      // Up to 31 days of journal: read and reduced here, only the figures go back.
      const { from, to } = msg.request;
      const { activations, lastSeq } = await r.alarmActivations(from, to);
      return {
        reply: { id: msg.id, ok: true, op: 'alarmKpis', result: kpisOfJournal(activations, lastSeq, msg.request), ms: performance.now() - started },
        transfer: [],
      };
    }
    if (msg.op === 'trend') {
      // The whole answer is made here, down to the (compressed) bytes: the main thread only writes them out.
      const { gzip, ...request } = msg.request;
      const series = await Promise.all(request.tags.map((tag) => runTrend(r, { ...request, tag })));
      const tookMs = Math.round((performance.now() - started) * 100) / 100;
      const body = answerBody(trendResponseJson(request, series, tookMs), gzip);
      const summary = series.map((s) => ({ tag: s.tag, resolution: s.resolution, points: s.t.length, scanned: s.scanned }));
      const result = { body, resolution: overallResolution(series), tookMs, series: summary };
      return { reply: { id: msg.id, ok: true, op: 'trend', result, ms: performance.now() - started }, transfer: [body.bytes] };
    }
    const { tag, from, to, limit, gzip } = msg.request;
    const points = await r.rawPoints(tag, from, to, limit + 1);
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
  void answer(msg).then(({ reply, transfer }) => parentPort!.postMessage(reply, transfer));
});
parentPort!.on('close', () => {
  void opening?.then((r) => r.close()).catch(() => {});
});
