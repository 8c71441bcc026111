import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import { type PlantFile, plantSchema } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { buildServer } from '../../server/build-server.ts';
import { simulatedBusLinks } from '../../server/simulation/simulated-buses.ts';
import { descendantsOf } from '../helpers/proc-stat.ts';
import { testConfig } from '../helpers/test-server.ts';
import { until } from '../helpers/until.ts';

/**
 * A simulated RTU bus in the app (issue 22): two unit ids on one simulated serial path are
 * served by one simulator process on a socat pty pair under the data dir; the poller reads
 * them over RTU; the line's simulation stops and starts the bus; the server's stop leaves no
 * socat and no simulator behind. Real processes throughout (no build needed: no Next).
 */

// A real port's name: the simulated bus must never touch it.
const BUS = '/dev/ttyUSB0';

const plantFile: PlantFile = {
  name: 'RTU test',
  lines: [
    {
      id: 'press',
      name: 'Press',
      simulation: { autoStart: true, scenario: 'normal' },
      connections: [1, 2].map((unitId) => ({
        id: `meter-${unitId}`,
        protocol: 'rtu' as const,
        path: BUS,
        baudRate: 38400,
        parity: 'even' as const,
        unitId,
        simulated: true,
        scanMs: 100,
        timeoutMs: 200,
        commLoss: { delayMs: 300 },
        tags: [
          { name: `power-${unitId}`, area: 'holding' as const, address: 0, type: 'int16' as const, sim: { model: 'constant' as const, nominal: 100 * unitId } },
          { name: `energy-${unitId}`, area: 'input' as const, address: 10, type: 'uint32' as const, sim: { model: 'counter' as const, rate: 5 } },
        ],
      })),
    },
  ],
};

const actor = { username: 'test', ip: '127.0.0.1' };

/** Live socat and simulator processes under this test process (zombies do not count: nothing runs). */
const leftovers = () =>
  descendantsOf(process.pid).filter((p) => {
    if (p.state === 'Z') return false;
    try {
      return /socat|simulator-main/.test(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });

test('a simulated RTU bus: two unit ids good over RTU, bad while the line simulation is stopped, back when started, nothing left after stop', async (t) => {
  const busExisted = existsSync(BUS);
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-rtu-sim-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await buildServer(await testConfig(dataDir, { plant: plantSchema.parse(plantFile), serveNext: false }));
  let closed = false;
  t.after(async () => {
    if (!closed) await server.close();
  });
  const { runtime } = server;
  const value = (tag: string): Sample | undefined => runtime.values().find((s) => s.tag === tag);
  const tags = ['press.power-1', 'press.power-2', 'press.energy-1', 'press.energy-2'];
  const allGood = () => tags.every((tag) => value(tag)?.quality === 'good');

  // Started with the server: one process for the bus, values good over RTU.
  const started = performance.now();
  await until('the bus running', () => runtime.processes().some((p) => p.status === 'running'), 20_000);
  t.diagnostic(`bus running ${Math.round(performance.now() - started)} ms after the server started`);
  await until('good values from both unit ids', allGood, 20_000);
  t.diagnostic(`good ${Math.round(performance.now() - started)} ms after the server started`);
  assert.equal(value('press.power-1')!.value, 100);
  assert.equal(value('press.power-2')!.value, 200);
  const sims = runtime.processes().filter((p) => p.id.startsWith('sim-'));
  assert.deepEqual(
    sims.map((p) => [p.id, p.status]),
    [[simulatorProcessId('meter-1'), 'running']],
    'one simulator process serves the bus',
  );
  const links = simulatedBusLinks(join(dataDir, 'serial'), BUS);
  assert.equal(sims[0]!.info.path, links.poller);
  assert.ok(lstatSync(links.poller).isSymbolicLink(), 'the poller end is a link under the data dir');
  assert.equal(existsSync(BUS), busExisted, `${BUS} untouched`);
  assert.match(sims[0]!.name, /Simulated RTU bus \/dev\/ttyUSB0: meter-1 \(unit 1\), meter-2 \(unit 2\)/);

  // Stopped: both devices go silent, their tags turn bad and each connection raises comm loss.
  const stopAt = performance.now();
  const [stopped] = await runtime.stopSimulation('press', actor);
  assert.equal(stopped!.status, 'stopped');
  assert.equal(stopped!.exitCode, 0, stopped!.tail.join(' | '));
  await until('bad values', () => tags.every((tag) => value(tag)?.quality === 'bad'));
  const badMs = Math.round(performance.now() - stopAt);
  const comm = await until('comm-loss alarms of both meters', () => {
    const active = runtime.alarms.list({ line: 'press' }).filter((a) => a.kind === 'comm' && a.active);
    return active.length === 2 && active;
  });
  assert.deepEqual(comm.map((a) => a.connection).sort(), ['meter-1', 'meter-2']);
  t.diagnostic(`bad ${badMs} ms after the stop (${value('press.power-1')!.reason}); comm loss after ${Math.round(performance.now() - stopAt)} ms`);
  assert.equal(existsSync(links.poller), false, 'socat took its links along');
  assert.deepEqual(leftovers(), [], 'no socat or simulator while stopped');

  // Started again: the same links, the poller finds the bus again on its own.
  const startAt = performance.now();
  await runtime.startSimulation('press', 'normal', actor);
  await until('the bus running', () => runtime.processes().some((p) => p.status === 'running'));
  t.diagnostic(`bus running ${Math.round(performance.now() - startAt)} ms after the start`);
  await until('good values again', allGood, 15_000);
  t.diagnostic(`good again ${Math.round(performance.now() - startAt)} ms after the start`);
  await until('comm loss cleared', () => runtime.alarms.list({ line: 'press' }).every((a) => a.kind !== 'comm' || !a.active));

  // The server's stop takes the bus along: no socat, no simulator, no links.
  await server.close();
  closed = true;
  assert.deepEqual(leftovers(), [], 'no socat or simulator process after the server stopped');
  assert.deepEqual(await readdir(join(dataDir, 'serial')), [], 'no pty links left');
});
