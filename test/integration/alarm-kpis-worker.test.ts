import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Sample } from '../../lib/types.ts';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import { computeKpis } from '../../server/alarms/alarm-kpis.ts';
import { createQueryPool } from '../../server/history/query-pool.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { silentLogger } from '../../server/log/logger.ts';

const plant = parsePlant({
  name: 'p',
  lines: [
    {
      id: 'l1',
      name: 'L1',
      connections: [
        {
          id: 'plc1',
          protocol: 'tcp',
          port: 502,
          tags: [
            {
              name: 'temp',
              area: 'holding',
              address: 0,
              type: 'float32',
              alarms: { hi: { limit: 100, priority: 'high' }, hihi: { limit: 120, priority: 'critical' } },
            },
          ],
        },
      ],
    },
  ],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const temp = (value: number): Sample => ({ tag: 'l1.temp', ts: Date.now(), value, quality: 'good' });

test('alarm KPIs computed in a query worker: the same answer as on the main thread, queued journal entries counted once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-kpi-worker-'));
  const file = join(dir, 'linewatch.db');
  const store = await createSqliteStore(file);
  const pool = createQueryPool({ location: store.location, workers: 1 });
  const engine = createAlarmEngine({
    plant,
    store: store.alarms,
    publish: () => {},
    audited: (_actor, _action, _target, run) => run(),
    log: silentLogger(),
    kpis: async (request) => (await pool.alarmKpis(request)).result,
  });
  t.after(async () => {
    await engine.stop();
    await pool.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  await engine.start();

  // `hi` raised four times within a minute (chattering; 125 is past both limits), `hihi` once; all written.
  for (const v of [110, 50, 110, 50, 125, 50, 110]) engine.onSamples([temp(v)]);
  const from = Date.now() - 3600_000;
  const to = Date.now() + 60_000;
  const inWorker = await engine.service.kpis(from, to);
  const onThread = computeKpis(await store.alarms.activations(from, to), engine.active(), from, to, Date.now());
  assert.deepEqual(inWorker, onThread);
  assert.equal(inWorker.annunciated, 5);
  assert.deepEqual(
    inWorker.chattering.map((c) => [c.alarm, c.activations]),
    [['l1.temp.hi', 4]],
  );

  // While another connection holds the write lock, new activations wait in the engine's queue:
  // counted from the queue, then once written, not twice.
  const other = new Database(file);
  other.prepare('BEGIN IMMEDIATE').run();
  try {
    engine.onSamples([temp(50)]);
    engine.onSamples([temp(110)]);
    assert.equal((await store.alarms.activations(from, to)).length, 5, 'not written yet');
    assert.equal((await engine.service.kpis(from, to)).annunciated, 6);
  } finally {
    other.prepare('COMMIT').run();
    other.close();
  }
  for (let i = 0; i < 100 && (await store.alarms.activations(from, to)).length < 6; i++) await sleep(20);
  assert.equal((await store.alarms.activations(from, to)).length, 6, 'written once the lock was free');
  assert.equal((await engine.service.kpis(from, to)).annunciated, 6);

  await assert.rejects(engine.service.kpis(to, from), { code: 'LW_VALIDATION' });
});
