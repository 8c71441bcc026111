import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import type { ProcessInfo } from '../../lib/types.ts';
import type { LineSnapshot } from '../../server/collector/line-unit.ts';
import { buildServer } from '../../server/build-server.ts';
import { type Collector, startCollector } from '../../server/collector/collector.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { runScenario } from '../helpers/scenarios.ts';
import { startTestServer, testConfig, type TestServer } from '../helpers/test-server.ts';

/**
 * An operator's start or stop of a line's simulated PLC moves with the line (issue 19): two
 * collectors in this process on PostgreSQL and Redis, a web instance. The plant's default is to
 * start the simulator in `normal`; the operator's `jam`, and later their stop, are what the next
 * owner follows. In-process `stop()` is a clean hand-over (the lease is released at once).
 */

const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const simId = simulatorProcessId('filling-plc');
const plant = parsePlant({
  name: 'simulation hand-over',
  lines: [
    {
      id: 'filling',
      name: 'Filling 1',
      simulation: { autoStart: true, scenario: 'normal' },
      connections: [
        {
          id: 'filling-plc',
          protocol: 'tcp',
          host: '127.0.0.1',
          port: 0,
          simulated: true,
          scanMs: 200,
          timeoutMs: 1000,
          tags: [{ name: 'level', area: 'holding', address: 0, type: 'uint16', sim: { model: 'ramp', min: 0, max: 100, periodS: 30 } }],
        },
      ],
    },
  ],
});

let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let web: TestServer;
const running = new Set<Collector>();

async function collector(id: string): Promise<Collector> {
  const config = await testConfig(join(dir, id), { role: 'collector', collectorId: id, plant, databaseUrl: database.url, redisUrl, busPrefix });
  const c = await startCollector(config);
  running.add(c);
  return c;
}

async function stopCollector(c: Collector): Promise<void> {
  running.delete(c);
  await c.stop();
}

/** Polls `check` until it answers; a check that throws (no owner serves the line yet) is tried again. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let failure: unknown;
    const got = await Promise.resolve()
      .then(check)
      .catch((error: unknown) => {
        failure = error;
        return undefined;
      });
    if (got) return got;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`, { cause: failure });
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The simulator as the line's owner reports it (its `snapshot` command answers once the line unit started). */
async function ownersSimulator(c: Collector): Promise<ProcessInfo | undefined> {
  const snapshot = await c.bus.command<LineSnapshot>('line:filling', { name: 'snapshot' });
  return snapshot.processes.find((p) => p.id === simId);
}

/** Once `c` serves the line's commands: after its line unit started (and so decided on the simulator). */
const serving = (c: Collector) =>
  until('the new owner serves the line', async () => {
    await ownersSimulator(c);
    return true;
  });

/** The simulator as the web instance's processes API shows it. */
async function simulatorOnWeb(): Promise<ProcessInfo | undefined> {
  const { processes } = (await (await web.api('/api/processes')).json()) as { processes: ProcessInfo[] };
  return processes.find((p) => p.id === simId);
}

const runsIn = (p: ProcessInfo | undefined, scenario: string) => p?.status === 'running' && p.name.endsWith(`(${scenario})`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-sim-handover-'));
  database = await createTestDatabase('lw_simho');
  web = await startTestServer({ plant, databaseUrl: database.url, web: { redisUrl, busPrefix }, autoStartSimulations: false });
  store = await createPostgresStore(database.url);
});

after(async () => {
  for (const c of running) await c.stop();
  await web?.close();
  await store?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test("the line's next owner runs the simulator as the operator chose last: jam, then stopped", { timeout: 60_000 }, async () => {
  const c1 = await collector('c1');
  await until('c1 collects the line', () => c1.lines().includes('filling'));
  const c2 = await collector('c2');
  // Without a choice, the plant's default.
  await until('the simulator in the plant default, normal', async () => runsIn(await ownersSimulator(c1), 'normal'));
  assert.equal(await store.simulations.get('filling'), undefined);

  // An operator restarts it in jam on the web instance; the owner keeps the choice before it answers.
  await runScenario(web, 'filling', 'jam');
  const jam = await store.simulations.get('filling');
  assert.deepEqual(jam && { running: jam.running, scenario: jam.scenario, by: jam.by }, { running: true, scenario: 'jam', by: 'operator' });
  await until('jam on c1', async () => runsIn(await ownersSimulator(c1), 'jam'));

  // c1 goes: c2 takes the line and starts the simulator in jam, not in the plant's normal.
  const handedAt = Date.now();
  await stopCollector(c1);
  await until('c2 collects the line', () => c2.lines().includes('filling'));
  const onC2 = await until('jam on c2', async () => {
    const p = await ownersSimulator(c2);
    return runsIn(p, 'jam') && p;
  });
  await until('the web instance shows it', async () => runsIn(await simulatorOnWeb(), 'jam'));
  console.log(`# hand-over: c1 stopped -> simulator running in jam on c2 in ${Date.now() - handedAt} ms (pid ${onC2.pid})`);

  // The operator stops it; ownership moves again; it stays stopped though the plant would start it.
  const c3 = await collector('c3');
  const stop = await web.api('/api/lines/filling/simulation', { method: 'DELETE' });
  assert.equal(stop.status, 200, await stop.clone().text());
  const stopped = await store.simulations.get('filling');
  assert.deepEqual(stopped && { running: stopped.running, scenario: stopped.scenario, by: stopped.by }, { running: false, scenario: 'jam', by: 'operator' });
  await stopCollector(c2);
  await until('c3 collects the line', () => c3.lines().includes('filling'));
  await serving(c3);
  assert.equal(await ownersSimulator(c3), undefined, 'no simulator started by the new owner');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await ownersSimulator(c3), undefined);
  assert.notEqual((await simulatorOnWeb())?.status, 'running');

  // Started again by an operator on the new owner: the choice follows.
  const start = await web.api('/api/lines/filling/simulation', { method: 'POST', body: JSON.stringify({ scenario: 'overheat' }) });
  assert.equal(start.status, 202, await start.clone().text());
  assert.equal((await store.simulations.get('filling'))?.scenario, 'overheat');
  await until('overheat on c3', async () => runsIn(await ownersSimulator(c3), 'overheat'));
});

test('one process group restarted: the simulators run as operators left them, not as the plant says', { timeout: 60_000 }, async () => {
  const dataDir = join(dir, 'all');
  const [filling] = plant.lines;
  // capping's simulator does not start with the plant; filling's does.
  const capping = {
    ...filling!,
    id: 'capping',
    name: 'Capping 1',
    simulation: { autoStart: false, scenario: 'normal' as const },
    connections: [{ ...filling!.connections[0]!, id: 'capping-plc' }],
  };
  const twoLines = { ...plant, lines: [filling!, capping] };
  const actor = { username: 'operator', ip: '127.0.0.1' };
  const start = async () => buildServer(await testConfig(dataDir, { plant: twoLines, serveNext: false }));
  const sim = (server: Awaited<ReturnType<typeof start>>, id: string) => server.runtime.processes().find((p) => p.id === simulatorProcessId(id));

  const first = await start();
  try {
    await until('filling in the plant default', () => runsIn(sim(first, 'filling-plc'), 'normal'));
    await first.runtime.stopSimulation('filling', actor);
    await first.runtime.startSimulation('capping', 'jam', actor);
    await until('capping in jam', () => runsIn(sim(first, 'capping-plc'), 'jam'));
  } finally {
    await first.close();
  }

  const second = await start();
  try {
    await until('capping in jam again', () => runsIn(sim(second, 'capping-plc'), 'jam'));
    assert.equal(sim(second, 'filling-plc'), undefined, 'filling stays stopped');
  } finally {
    await second.close();
  }
});
