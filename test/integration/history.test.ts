import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TrendResponse } from '../../lib/history/trend.ts';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { createStoreWriter } from '../../server/historian/history-writer.ts';
import { createHistoryService, type HistoryService, type TrendQuery } from '../../server/history/history-service.ts';
import { createRetention } from '../../server/history/retention.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { statField } from '../helpers/proc-stat.ts';
import { startTestServer } from '../helpers/test-server.ts';

const DAY = 86_400_000;
const TAG = 'line.temp';
const N = 30 * 86_400; // 30 days at 1 Hz
const SPIKE_AT = 1_234_567;
const M = 60_000;
const GAP_AT = 2_000_000;
const GAP_S = 600;

/** The signal: a daily wave plus deterministic noise, one spike, one 10-minute quality gap. */
function valueAt(i: number): number {
  if (i === SPIKE_AT) return 900;
  return 200 + 10 * Math.sin((2 * Math.PI * i) / 86_400) + ((i * 7919) % 100) / 100;
}

let dir: string;
let store: Store;
let service: HistoryService;
const end = Math.floor(Date.now() / 60_000) * 60_000;
const t0 = end - N * 1000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-history-'));
  store = createSqliteStore(join(dir, 'linewatch.db'));
  const historian = createHistorian(store);
  const started = performance.now();
  const chunk: Sample[] = [];
  for (let i = 0; i < N; i++) {
    if (i > GAP_AT && i < GAP_AT + GAP_S) continue;
    const bad = i === GAP_AT;
    chunk.push({ tag: TAG, ts: t0 + i * 1000, value: valueAt(i), quality: bad ? 'bad' : 'good', ...(bad ? { reason: 'timeout' } : {}) });
    if (chunk.length === 100_000) {
      historian.append(chunk.splice(0));
      await historian.flush();
    }
  }
  historian.append(chunk.splice(0));
  await historian.stop();
  console.log(`# generated ${N - GAP_S + 1} samples through the historian in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  service = createHistoryService({ store, knownTags: new Set([TAG, 'line.other']), config: { rawRetentionDays: 31 } });
});

after(async () => {
  await service?.stop();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The trend as the API answers it. */
const trend = async (svc: HistoryService, q: TrendQuery): Promise<TrendResponse> =>
  JSON.parse(Buffer.from((await svc.trend(q)).body.bytes).toString()) as TrendResponse;
const pairsOf = (r: TrendResponse) => r.series[0]!.t.map((t, i) => [t, r.series[0]!.v[i]] as const);

test('30 days @ 1 Hz → 1000 px: at most 4000 points, read from rollups, the spike and the gap included', async () => {
  const r = await trend(service, { tags: [TAG], from: t0, to: t0 + N * 1000, width: 1000 });
  const s = r.series[0]!;
  console.log(`# 30 days → 1000 px: ${s.t.length} points from ${s.scanned} rollup rows in ${r.tookMs} ms (worker)`);
  assert.equal(r.resolution, '10m', 'a pixel is 43 min: 10-minute rollups');
  assert.equal(s.resolution, '10m');
  assert.ok(s.t.length <= 4000, `${s.t.length} points`);
  assert.ok(s.t.length >= 1000, 'a point or more per pixel');
  assert.ok(s.scanned >= 4320 && s.scanned <= 4330, `${s.scanned} rows scanned: one per 10 minutes`);
  const pairs = pairsOf(r);
  assert.ok(
    pairs.some(([t, v]) => t === t0 + SPIKE_AT * 1000 && v === 900),
    'the one-second spike is there, at its exact time',
  );
  assert.equal(Math.max(...s.v.filter((v): v is number => v !== null)), 900);
  assert.ok(
    pairs.some(([t, v]) => v === null && t === t0 + GAP_AT * 1000),
    'the quality gap is a null at its start',
  );
  for (let i = 1; i < s.t.length; i++) assert.ok(s.t[i]! > s.t[i - 1]!, 'time ascends');
});

test('5 minutes → raw samples, every one of them, plus one beyond each edge', async () => {
  const from = t0 + (SPIKE_AT - 150) * 1000;
  const to = from + 5 * 60_000;
  const r = await trend(service, { tags: [TAG], from, to, width: 1000 });
  const s = r.series[0]!;
  assert.equal(s.resolution, 'raw');
  assert.equal(s.t.length, 301 + 2);
  assert.ok(s.t[0]! < from && s.t.at(-1)! > to);
  assert.deepEqual(
    s.t.slice(1, -1).map((t, i) => [t, s.v[i + 1]]),
    Array.from({ length: 301 }, (_, k) => [from + k * 1000, valueAt(SPIKE_AT - 150 + k)]),
  );
});

test('8 hours → raw, M4 keeps ≤ 4 points per pixel; 24 hours → rollups', async () => {
  const from = t0 + 10 * DAY;
  const shift = await trend(service, { tags: [TAG], from, to: from + 8 * 3600_000, width: 1000 });
  assert.equal(shift.resolution, 'raw');
  assert.ok(shift.series[0]!.t.length <= 4002);
  assert.equal(shift.series[0]!.scanned, 8 * 3600 + 1);
  const day = await trend(service, { tags: [TAG], from, to: from + DAY, width: 1000 });
  assert.equal(day.resolution, '1m');
  const year = await trend(service, { tags: [TAG], from: t0 - 300 * DAY, to: t0 + 30 * DAY, width: 1000 });
  assert.equal(year.resolution, '1h');
  assert.ok(year.series[0]!.v.includes(900), 'the spike survives in the hourly rollups too');
});

test('query workers are background threads: nice 10 and the SCHED_IDLE policy (the live path runs first)', async () => {
  // Two queries at once: each goes to its own worker (the pool starts them on demand).
  const range = { tags: [TAG], from: end - DAY, to: end, width: 100 };
  await Promise.all([trend(service, range), trend(service, range)]);
  const background = readdirSync('/proc/self/task')
    .map((tid) => ({ tid, nice: statField(`self/task/${tid}`, 19), policy: statField(`self/task/${tid}`, 41) }))
    .filter((t) => t.policy !== '0');
  assert.equal(background.length, 2, `threads not under SCHED_OTHER: ${JSON.stringify(background)}`);
  for (const t of background) assert.deepEqual([t.nice, t.policy], ['10', '5'], `thread ${t.tid}`);
});

test('rollups of each interval hold the right statistics', async () => {
  for (const span of [M, 10 * M, 60 * M]) {
    const start = Math.floor((t0 + 6 * 3600_000) / span) * span;
    const [row] = await store.rollups.query(TAG, start, start, span);
    const first = (start - t0) / 1000;
    const values = Array.from({ length: span / 1000 }, (_, k) => valueAt(first + k));
    assert.equal(row!.count, values.length, `${span}: count`);
    assert.equal(row!.min, Math.min(...values));
    assert.equal(row!.max, Math.max(...values));
    assert.ok(Math.abs(row!.sum! / row!.count - values.reduce((a, b) => a + b) / values.length) < 1e-9, 'avg');
    assert.equal(row!.first, values[0]);
    assert.equal(row!.last, values.at(-1));
  }
});

test('a range reaching past raw retention reads rollups; unknown tags and empty ranges are refused', async () => {
  const old = createHistoryService({ store, knownTags: new Set([TAG]), config: { rawRetentionDays: 1 } });
  try {
    const r = await trend(old, { tags: [TAG], from: t0 + DAY, to: t0 + DAY + 5 * 60_000, width: 1000 });
    assert.equal(r.resolution, '1m');
    await assert.rejects(
      old.trend({ tags: [TAG, 'nope'], from: t0, to: t0 + 1000, width: 100 }),
      (e: Error & { status: number; field: string }) => e.status === 404 && e.field === 'tags[1]',
    );
    await assert.rejects(
      old.trend({ tags: [TAG], from: t0, to: t0, width: 100 }),
      (e: Error & { status: number; field: string }) => e.status === 400 && e.field === 'from',
    );
    const none = await trend(old, { tags: [TAG], from: end + DAY, to: end + 2 * DAY, width: 100 });
    assert.deepEqual(none.series[0]!.t.length <= 1, true, 'nothing in the future (at most the edge point before)');
  } finally {
    await old.stop();
  }
});

test('retention removes what is too old, in steps, and nothing else', async () => {
  const dir2 = await mkdtemp(join(tmpdir(), 'lw-retention-'));
  const s2 = createSqliteStore(join(dir2, 'r.db'));
  try {
    const now = Date.UTC(2026, 5, 1);
    const rawCut = now - 10 * DAY;
    const rollupCut = now - 20 * DAY;
    // Two tags, a sample every 10 min for 30 days; rollup rows likewise.
    const times = Array.from({ length: 30 * 144 }, (_, i) => now - 30 * DAY + i * 600_000);
    for (const tag of ['a.x', 'b.y']) {
      await s2.samples.insert(times.map((ts) => ({ tag, ts, value: 1, quality: 'good' as const })));
      await s2.rollups.merge(
        times.map((ts) => ({
          tag,
          span: 60_000,
          start: ts,
          count: 1,
          bad: 0,
          min: 1,
          minTs: ts,
          max: 1,
          maxTs: ts,
          sum: 1,
          first: 1,
          firstTs: ts,
          last: 1,
          lastTs: ts,
          gapTs: null,
        })),
      );
    }
    await s2.audit.append({ ts: now - 100 * DAY, username: 'x', ip: '-', action: 'login', target: null, result: 'ok', detail: null });
    const job = await s2.jobs.create({ kind: 'csv-export', params: {}, createdBy: 'x', createdAt: now - 100 * DAY });
    const retention = createRetention(createStoreWriter(s2), { rawMs: 10 * DAY, rollupMs: 20 * DAY, stepRows: 100, pauseMs: 0, now: () => now });
    const spans = [60_000, 600_000, 3_600_000];
    const startsOf = async (tag: string, span: number) => (await s2.rollups.query(tag, 0, now, span)).map((r) => r.start);
    const before = await Promise.all(spans.map((span) => startsOf('a.x', span)));
    const counts = await retention.runOnce();
    const older = (cut: number) => times.filter((t) => t < cut).length;
    assert.deepEqual(counts, {
      rawDays: 0,
      raw: 2 * older(rawCut),
      rollups: 2 * before.reduce((n, starts) => n + starts.filter((t) => t < rollupCut).length, 0),
    });
    for (const tag of ['a.x', 'b.y']) {
      assert.deepEqual(
        (await s2.samples.query(tag, 0, now, 100_000)).map((p) => p.ts),
        times.filter((t) => t >= rawCut),
        `raw of ${tag}: exactly the recent ones`,
      );
      for (const [i, span] of spans.entries())
        assert.deepEqual(
          await startsOf(tag, span),
          before[i]!.filter((t) => t >= rollupCut),
          `${span} ms rollups of ${tag}`,
        );
    }
    assert.equal((await s2.audit.query({ limit: 10 })).length, 1, 'audit untouched');
    assert.ok(await s2.jobs.get(job.id), 'jobs untouched');
    assert.deepEqual(await retention.runOnce(), { rawDays: 0, raw: 0, rollups: 0 }, 'a second pass finds nothing');
  } finally {
    await s2.close();
    await rm(dir2, { recursive: true, force: true });
  }
});

test('GET /api/history: several tags with a width, each series with its resolution; raw one-tag mode still works', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-history-api-'));
  const now = Date.now();
  const pre = createSqliteStore(join(dataDir, 'linewatch.db'));
  const h = createHistorian(pre);
  for (const tag of ['extrusion.melt-temp', 'extrusion.line-speed']) {
    h.append(Array.from({ length: 7200 }, (_, i) => ({ tag, ts: now - 7200_000 + i * 1000, value: i % 100, quality: 'good' as const })));
  }
  await h.stop();
  await pre.close();
  const server = await startTestServer({ dataDir, autoStartSimulations: false });
  try {
    const from = new Date(now - 3600_000).toISOString();
    const to = new Date(now).toISOString();
    const res = await server.api(`/api/history?tags=extrusion.melt-temp,extrusion.line-speed&from=${from}&to=${to}&width=600`, { as: 'viewer' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'gzip', 'compressed (off the main thread) for a client that takes gzip');
    const body = (await res.json()) as TrendResponse;
    assert.deepEqual(
      body.series.map((s) => [s.tag, s.resolution]),
      [
        ['extrusion.melt-temp', 'raw'],
        ['extrusion.line-speed', 'raw'],
      ],
    );
    assert.equal(body.resolution, 'raw');
    assert.ok(body.series.every((s) => s.t.length > 600 && s.t.length <= 4 * 600 + 2 && s.t.length === s.v.length));
    const plain = await server.api(`/api/history?tags=extrusion.melt-temp,extrusion.line-speed&from=${from}&to=${to}&width=600`, {
      as: 'viewer',
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal(plain.headers.get('content-encoding'), null, 'a client that does not take gzip gets the text');
    const plainBody = JSON.parse(await plain.text()) as TrendResponse;
    assert.deepEqual(plainBody.series, body.series);
    assert.equal(Number(plain.headers.get('content-length')), Buffer.byteLength(JSON.stringify(plainBody)));
    const week = await (
      await server.api(`/api/history?tag=extrusion.melt-temp&from=${new Date(now - 7 * DAY).toISOString()}&to=${to}&width=600`, { as: 'viewer' })
    ).json();
    assert.equal(week.series[0].resolution, '10m', '`tag` works as a one-tag list; a week on 600 px is 10-minute rollups');
    const raw = await (await server.api(`/api/history?tag=extrusion.melt-temp&from=${from}&to=${to}&limit=10`, { as: 'viewer' })).json();
    assert.equal(raw.points.length, 10);
    assert.equal(raw.truncated, true);
    assert.deepEqual(Object.keys(raw.points[0]).sort(), ['quality', 'ts', 'value']);
    const rawAll = await server.api(`/api/history?tag=extrusion.melt-temp&from=${from}&to=${to}`, { as: 'viewer' });
    assert.equal(rawAll.headers.get('content-encoding'), 'gzip');
    const all = await rawAll.json();
    assert.equal(all.truncated, false);
    assert.ok(all.points.length >= 3600 && all.points.length <= 3601, `${all.points.length} raw points in the hour`);
    const unknown = await server.api(`/api/history?tags=extrusion.melt-temp,nope.x&from=${from}&to=${to}&width=600`, { as: 'viewer' });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.field, 'tags[1]');
    const tooWide = await server.api(`/api/history?tags=extrusion.melt-temp&from=${from}&to=${to}&width=99999`, { as: 'viewer' });
    assert.equal((await tooWide.json()).error.field, 'width');
    const tooMany = await server.api(`/api/history?tags=${Array.from({ length: 9 }, (_, i) => `a.t${i}`).join(',')}&from=${from}&to=${to}&width=600`, {
      as: 'viewer',
    });
    assert.equal((await tooMany.json()).error.field, 'tags');
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
