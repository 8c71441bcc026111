import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { packSamples, unpackSamples } from '../../server/historian/history-writer.ts';
import { createWorkerWriter } from '../../server/historian/worker-writer.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { captureLog } from '../helpers/capture-log.ts';

test('packed samples round-trip: tags, times, values, nulls, qualities and reasons', () => {
  const samples: Sample[] = [
    { tag: 'a.x', ts: 1_700_000_000_123, value: 1.5, quality: 'good' },
    { tag: 'b.y', ts: 1_700_000_000_124, value: null, quality: 'bad', reason: 'timeout' },
    { tag: 'a.x', ts: 1_700_000_000_125, value: -3, quality: 'stale', reason: 'no fresh read' },
  ];
  const packed = packSamples(samples);
  assert.deepEqual(packed.names, ['a.x', 'b.y']);
  // Unpacked samples carry `reason: undefined` when there is none (one object shape).
  assert.deepEqual(
    unpackSamples(packed),
    samples.map((x) => ({ ...x, reason: x.reason })),
  );
});

test('the historian writes through a worker thread: samples and rollups land, the worker is closed on stop', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'lw-writer-')), 'w.db');
  const store = createSqliteStore(file);
  const writer = createWorkerWriter({ file });
  const historian = createHistorian(store, { writer, batchSize: 500, now: () => 10 * 60_000 });
  historian.append(Array.from({ length: 1800 }, (_, i) => ({ tag: 'l.t', ts: i * 100, value: i, quality: 'good' as const })));
  await historian.stop();
  assert.equal((await store.samples.query('l.t', 0, 1e9, 10_000)).length, 1800);
  assert.deepEqual(
    (await store.rollups.query('l.t', 0, 1e9)).map((r) => [r.start, r.count]),
    [
      [0, 600],
      [60_000, 600],
      [120_000, 600],
    ],
  );
  await assert.rejects(writer.tags(), /closed/);
  await store.close();
});

test('a failed write keeps the batch for the next flush', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'lw-writer-')), 'w.db');
  const store = createSqliteStore(file);
  const writer = createWorkerWriter({ file });
  let failures = 1;
  const flaky = {
    ...writer,
    write: (s: readonly Sample[], r: Parameters<typeof writer.write>[1]) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : writer.write(s, r)),
  };
  const { log, lines: logs } = captureLog();
  const historian = createHistorian(store, { writer: flaky, log });
  historian.append([{ tag: 'l.t', ts: 1, value: 1, quality: 'good' }]);
  await historian.flush();
  assert.equal(historian.buffered(), 1);
  assert.match(logs[0]!, /disk full/);
  await historian.flush();
  assert.equal(historian.buffered(), 0);
  assert.equal((await store.samples.query('l.t', 0, 10, 10)).length, 1);
  await historian.stop();
  await store.close();
});
