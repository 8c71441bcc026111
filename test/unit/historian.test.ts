import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
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
