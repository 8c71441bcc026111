import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { createRollupAccumulator } from '../../server/historian/rollup-accumulator.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { captureLog } from '../helpers/capture-log.ts';

const tempDb = async () => join(await mkdtemp(join(tmpdir(), 'lw-rollup-')), 'test.db');
const M = 60_000;
const good = (ts: number, value: number, tag = 'l.t'): Sample => ({ tag, ts, value, quality: 'good' });

test('accumulator: one row per tag and interval, closed by a later one or by time, minutes folded into 10 minutes into hours', () => {
  const acc = createRollupAccumulator();
  for (const s of [good(0, 5), good(10_000, 9), good(20_000, 1), good(59_999, 4), good(M, 7), good(0, 3, 'l.u')]) acc.add(s);
  acc.add({ tag: 'l.t', ts: 30_000, value: null, quality: 'bad', reason: 'timeout' });
  const closed = acc.takeClosed(0);
  // The first minute of l.t was closed by the sample at M; the late bad sample came as its own row.
  assert.deepEqual(closed[0], {
    tag: 'l.t',
    span: M,
    start: 0,
    count: 4,
    bad: 0,
    min: 1,
    minTs: 20_000,
    max: 9,
    maxTs: 10_000,
    sum: 19,
    first: 5,
    firstTs: 0,
    last: 4,
    lastTs: 59_999,
    gapTs: null,
  });
  assert.deepEqual(closed[1], {
    tag: 'l.t',
    span: M,
    start: 0,
    count: 0,
    bad: 1,
    min: null,
    minTs: null,
    max: null,
    maxTs: null,
    sum: null,
    first: null,
    firstTs: null,
    last: null,
    lastTs: null,
    gapTs: 30_000,
  });
  assert.equal(closed.length, 2);
  // Open: l.t's minute M and its 10 minutes (holding minute 0 and the late one), l.u's minute 0.
  assert.equal(acc.open(), 3);
  assert.deepEqual(
    acc.takeClosed(M).map((r) => [r.tag, r.span, r.start]),
    [['l.u', M, 0]],
  );
  const rest = acc.takeAll();
  const key = (r: { tag: string; span: number; start: number }) => `${r.tag} ${r.span / M}m @${r.start / M}`;
  assert.deepEqual(rest.map(key).sort(), ['l.t 10m @0', 'l.t 1m @1', 'l.t 60m @0', 'l.u 10m @0', 'l.u 60m @0']);
  const hour = rest.find((r) => r.tag === 'l.t' && r.span === 60 * M)!;
  assert.deepEqual([hour.count, hour.bad, hour.min, hour.max, hour.first, hour.last, hour.gapTs], [5, 1, 1, 9, 5, 7, 30_000]);
  assert.equal(acc.open(), 0);
});

test('historian: rollups are written with the raw samples, merged across batches, restarts and late samples', async () => {
  const file = await tempDb();
  let now = 10 * M;
  const store = createSqliteStore(file);
  const historian = createHistorian(store, { batchSize: 50, now: () => now });
  // Minute 0: values 0..119 over two batches of appends; minute 1 partly.
  historian.append(Array.from({ length: 60 }, (_, i) => good(i * 500, i)));
  historian.append(Array.from({ length: 60 }, (_, i) => good(30_000 + i * 500, 60 + i)));
  historian.append([good(M + 1000, -5), { tag: 'l.t', ts: M + 2000, value: 3, quality: 'stale', reason: 'no fresh read' }, good(M + 3000, 2)]);
  now = M + 10_000; // minute 1 still open: only minute 0 is due
  await historian.flush();
  let rows = await store.rollups.query('l.t', 0, 10 * M);
  assert.deepEqual(
    rows.map((r) => [r.start, r.count, r.min, r.max, r.sum, r.first, r.last]),
    [[0, 120, 0, 119, (119 * 120) / 2, 0, 119]],
  );
  // A late sample of minute 0 merges into its row.
  historian.append([good(59_250, 500)]);
  await historian.stop(); // writes the open minute too
  await store.close();

  // Next life: a sample in minute 1 again (restart within the minute) merges with what is there.
  const reopened = createSqliteStore(file);
  const again = createHistorian(reopened, { now: () => now });
  again.append([good(M + 50_000, 100)]);
  await again.stop();
  rows = await reopened.rollups.query('l.t', 0, 10 * M);
  assert.deepEqual(
    rows.map((r) => [r.start, r.count, r.bad, r.min, r.minTs, r.max, r.maxTs, r.first, r.last, r.lastTs, r.gapTs]),
    [
      [0, 121, 0, 0, 0, 500, 59_250, 0, 119, 59_500, null],
      [M, 3, 1, -5, M + 1000, 100, M + 50_000, -5, 100, M + 50_000, M + 2000],
    ],
  );
  // The 10-minute and 1-hour rows hold both minutes, merged the same way.
  for (const span of [10 * M, 60 * M]) {
    assert.deepEqual(
      (await reopened.rollups.query('l.t', 0, 10 * M, span)).map((r) => [
        r.start,
        r.count,
        r.bad,
        r.min,
        r.minTs,
        r.max,
        r.maxTs,
        r.first,
        r.last,
        r.lastTs,
        r.gapTs,
        r.sum,
      ]),
      [[0, 124, 1, -5, M + 1000, 500, 59_250, 0, 100, M + 50_000, M + 2000, rows[0]!.sum! + rows[1]!.sum!]],
    );
  }
  assert.equal((await reopened.samples.query('l.t', 0, 10 * M, 1000)).length, 125);
  await reopened.close();
});

test('historian: after a crash, start() rebuilds the minutes that were never rolled up', async () => {
  const file = await tempDb();
  const t0 = Date.UTC(2026, 0, 1, 8, 0);
  const store = createSqliteStore(file);
  // The previous life wrote raw samples of minutes t0 and t0+M but died before their rollups.
  await store.samples.insert(Array.from({ length: 120 }, (_, i) => good(t0 + i * 1000, i)));
  await store.rollups.merge([
    {
      tag: 'l.t',
      span: M,
      start: t0 - M,
      count: 1,
      bad: 0,
      min: 1,
      minTs: t0 - M,
      max: 1,
      maxTs: t0 - M,
      sum: 1,
      first: 1,
      firstTs: t0 - M,
      last: 1,
      lastTs: t0 - M,
      gapTs: null,
    },
  ]);
  const { log, lines: logs } = captureLog();
  const historian = createHistorian(store, { now: () => t0 + 2 * M + 5000, log });
  await historian.start();
  await historian.stop();
  const rows = await store.rollups.query('l.t', t0 - M, t0 + 10 * M);
  assert.deepEqual(
    rows.map((r) => [r.start - t0, r.count, r.min, r.max]),
    [
      [-M, 1, 1, 1],
      [0, 60, 0, 59],
      [M, 60, 60, 119],
    ],
  );
  // The hour is rebuilt from its minutes, not merged twice.
  assert.deepEqual(
    (await store.rollups.query('l.t', t0 - 60 * M, t0, 60 * M)).map((r) => [r.start - t0, r.count, r.min, r.max]),
    [[0, 120, 0, 119]],
  );
  assert.ok(
    logs.some((l) => l.includes('rebuilt rollup minutes') && l.includes('"minutes":2')),
    logs.join('\n'),
  );
  await store.close();
});

test('historian: a deadband keeps flat stretches out of raw storage, not out of rollups', async () => {
  const store = createSqliteStore(await tempDb());
  const historian = createHistorian(store, { deadbands: new Map([['l.t', 0.5]]), now: () => 100 * M });
  const values = [10, 10.1, 10.2, 10.1, 10.3, 20, 20.2, 20.1];
  historian.append(values.map((v, i) => good(i * 1000, v)));
  await historian.stop();
  assert.deepEqual(
    (await store.samples.query('l.t', 0, M, 100)).map((p) => p.value),
    [10, 10.3, 20, 20.1],
    'first, last before the jump, jump, last (held, written at stop)',
  );
  const [row] = await store.rollups.query('l.t', 0, M);
  assert.equal(row!.count, values.length);
  assert.equal(row!.max, 20.2);
  await store.close();
});
