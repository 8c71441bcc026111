import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { sampleCodec } from '../../server/spool/spool-codecs.ts';
import { createSpool } from '../../server/spool/spool.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { silentLogger } from '../../server/log/logger.ts';

const tempDb = async () => join(await mkdtemp(join(tmpdir(), 'lw-hist-')), 'test.db');
const samples = (n: number, tag = 'l.t', t0 = 1_000): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ tag, ts: t0 + i, value: i, quality: 'good' as const }));

test('samples are committed in batches and read back in order with their quality', async () => {
  const store = createSqliteStore(await tempDb());
  const commits: number[] = [];
  const historian = createHistorian(store, { batchSize: 100, onCommitted: (n) => commits.push(n) });
  historian.append(samples(250));
  historian.append([{ tag: 'l.t', ts: 5_000, value: null, quality: 'bad', reason: 'timeout' }]);
  await historian.flush();
  assert.deepEqual(commits, [100, 100, 51]);
  const points = await store.samples.query('l.t', 0, 10_000, 1000);
  assert.equal(points.length, 251);
  assert.deepEqual(points.at(-1), { ts: 5_000, value: null, quality: 'bad', reason: 'timeout' });
  assert.deepEqual(
    (await store.samples.query('l.t', 1_010, 1_012, 10)).map((p) => p.value),
    [10, 11, 12],
  );
  assert.deepEqual(await store.samples.query('nope', 0, 10_000, 10), []);
  await historian.stop();
  await store.close();
});

test('stop() flushes everything buffered; nothing is lost on a graceful stop', async () => {
  const file = await tempDb();
  const store = createSqliteStore(file);
  const historian = createHistorian(store, { flushIntervalMs: 60_000 });
  await historian.start();
  historian.append(samples(5000));
  await historian.stop();
  await store.close();
  const reopened = createSqliteStore(file);
  assert.equal((await reopened.samples.query('l.t', 0, 1e9, 10_000)).length, 5000);
  await reopened.close();
});

test('a failing store keeps samples buffered (bounded) and writes them when it recovers', async () => {
  const real = createSqliteStore(await tempDb());
  let down = true;
  // Batches reach the store as one transaction (samples and rollups): that is what fails.
  const store: Store = { ...real, writeHistory: async (s, r) => (down ? assert.fail('database down') : real.writeHistory(s, r)) };
  const dropped: number[] = [];
  const historian = createHistorian(store, { maxBuffered: 300, onDropped: (n) => dropped.push(n), log: silentLogger() });
  historian.append(samples(200));
  await historian.flush();
  assert.equal(historian.buffered(), 200);
  historian.append(samples(200, 'l.t', 2_000));
  assert.equal(historian.buffered(), 300);
  assert.deepEqual(dropped, [100]);
  down = false;
  await historian.flush();
  assert.equal(historian.buffered(), 0);
  assert.equal((await real.samples.query('l.t', 0, 1e9, 1000)).length, 300);
  await real.close();
});

async function openSampleSpool(dir: string) {
  const spool = createSpool({ dir, kind: 'samples', codec: sampleCodec });
  await spool.open();
  return spool;
}

test('with a spool, samples past maxBuffered go to disk instead of being dropped; when the store is back the spool is written first, then memory', async () => {
  const file = await tempDb();
  const real = createSqliteStore(file);
  let down = true;
  const written: number[] = [];
  const store: Store = {
    ...real,
    writeHistory: async (s, r) => {
      if (down) assert.fail('database down');
      await real.writeHistory(s, r);
      if (s.length > 0) written.push(s[0]!.ts);
    },
  };
  const spool = await openSampleSpool(join(file, '..', 'spool'));
  const dropped: number[] = [];
  const historian = createHistorian(store, { maxBuffered: 300, batchSize: 100, spool, onDropped: (n) => dropped.push(n), log: silentLogger() });
  historian.append(samples(1000));
  await historian.flush();
  assert.equal(historian.buffered(), 300);
  assert.equal(spool.stats().rows, 700);
  assert.equal(spool.stats().oldestAt, 1_000);
  assert.deepEqual(dropped, []);

  down = false;
  await historian.flush();
  assert.equal(historian.buffered(), 0);
  assert.equal(spool.stats().rows, 0);
  assert.equal(spool.stats().replayed, 700);
  assert.deepEqual(
    written,
    Array.from({ length: 10 }, (_, i) => 1_000 + i * 100),
    'batches in order: the spooled ones (oldest) first',
  );
  const points = await real.samples.query('l.t', 0, 1e9, 10_000);
  assert.deepEqual(
    points.map((p) => p.value),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  await historian.stop();
  await spool.close();
  await real.close();
});

test('stopped while the store is away: memory is spooled; the next run writes it first and rebuilds the rollups of its minutes', async () => {
  const file = await tempDb();
  const real = createSqliteStore(file);
  const down: Store = { ...real, writeHistory: async () => assert.fail('database down') };
  const spoolDir = join(file, '..', 'spool');
  const spool = await openSampleSpool(spoolDir);
  // Two minutes of one sample a second, ending a few minutes ago.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
  const history = Array.from({ length: 120 }, (_, i): Sample => ({ tag: 'l.t', ts: t0 + i * 1000, value: i, quality: 'good' }));
  const first = createHistorian(down, { spool, log: silentLogger() });
  first.append(history);
  await first.stop();
  assert.equal(spool.stats().rows, 120, 'everything spooled at stop');
  await spool.close();

  const reopened = await openSampleSpool(spoolDir);
  const second = createHistorian(real, { spool: reopened, flushIntervalMs: 10, log: silentLogger() });
  await second.start();
  for (let i = 0; reopened.stats().rows > 0; i++) {
    assert.ok(i < 200, 'written back');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal((await real.samples.query('l.t', 0, Date.now(), 1000)).length, 120);
  for (let i = 0; ; i++) {
    const minutes = await real.rollups.query('l.t', t0, t0 + 60_000);
    if (minutes.length === 2) {
      assert.deepEqual(
        minutes.map((m) => [m.count, m.min, m.max]),
        [
          [60, 0, 59],
          [60, 60, 119],
        ],
      );
      break;
    }
    assert.ok(i < 100, 'rollups rebuilt');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await second.stop();
  await reopened.close();
  await real.close();
});

test('this run’s first minutes closed before a previous run’s spool drained: the hour rollup counts every sample once', async () => {
  const file = await tempDb();
  const real = createSqliteStore(file);
  const spoolDir = join(file, '..', 'spool');
  // An hour two hours back: minutes 5–6 spooled by a run whose database was away, minutes 30–32 by this run.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
  const spooled = Array.from({ length: 120 }, (_, i): Sample => ({ tag: 'l.t', ts: hour + 5 * 60_000 + i * 1000, value: i, quality: 'good' }));
  const spool = await openSampleSpool(spoolDir);
  const first = createHistorian({ ...real, writeHistory: async () => assert.fail('database down') }, { spool, batchSize: 20, log: silentLogger() });
  first.append(spooled);
  await first.stop();
  assert.equal(spool.stats().rows, 120);
  await spool.close();

  // This run: its clock at minute 30; the old samples are refused until the test lets them in,
  // so this run's first minutes are committed (riding on the first spooled batch) before the
  // spool drains and its minutes are rebuilt from raw.
  let clock = hour + 30 * 60_000;
  let letOldIn = false;
  const gated: Store = {
    ...real,
    writeHistory: async (s, r) => (s.some((x) => x.ts < hour + 30 * 60_000) && !letOldIn ? assert.fail('not yet') : real.writeHistory(s, r)),
  };
  const reopened = await openSampleSpool(spoolDir);
  const second = createHistorian(gated, { spool: reopened, batchSize: 20, flushIntervalMs: 10, now: () => clock, log: silentLogger() });
  await second.start();
  const current = Array.from({ length: 180 }, (_, i): Sample => ({ tag: 'l.t', ts: hour + 30 * 60_000 + i * 1000, value: 1000 + i, quality: 'good' }));
  second.append(current);
  clock = hour + 33 * 60_000 + 10_000; // minutes 30–32 closed
  await new Promise((resolve) => setTimeout(resolve, 300)); // the start's repair is done; flushes refused meanwhile
  letOldIn = true;
  for (let i = 0; reopened.stats().rows > 0; i++) {
    assert.ok(i < 300, 'spool written back');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // the spooled minutes rebuilt, this run's rows written
  await second.stop();
  const [hourRow] = await real.rollups.query('l.t', hour, hour, 3_600_000);
  assert.equal(hourRow?.count, 120 + 180, 'the hour: 120 spooled + 180 of this run, each once');
  const minutes = await real.rollups.query('l.t', hour, hour + 3_599_999);
  assert.equal(
    minutes.reduce((n, m) => n + m.count, 0),
    300,
    'minutes',
  );
  await reopened.close();
  await real.close();
});
