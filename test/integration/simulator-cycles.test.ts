import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProcessInfo } from '../../lib/types.ts';
import { loadPlant } from '../../server/plant/load-plant.ts';
import { createSimulations, type Simulations } from '../../server/simulation/simulations.ts';
import { createSupervisor } from '../../server/supervisor/supervisor.ts';
import { descendantsOf } from '../helpers/proc-stat.ts';

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('60 start/stop cycles of the real simulated PLCs leave no zombie, no orphan and no listening port', async (t) => {
  const plant = await loadPlant();
  let simulations: Simulations | undefined;
  const supervisor = createSupervisor({ onChange: (info) => simulations?.onProcessChange(info) });
  const serialDir = mkdtempSync(join(tmpdir(), 'lw-cycles-'));
  simulations = createSimulations({ plant, supervisor, onEndpoint: () => {}, serialDir });
  t.after(async () => {
    await supervisor.stopAll(500);
    rmSync(serialDir, { recursive: true, force: true });
  });

  // The simulations service, as the API drives it: one simulator per line, the lines in
  // parallel, each restart asking for the port it had before.
  const cycles = 60;
  const seen: { pid: number; port: number }[] = [];
  const readyMs: number[] = [];
  let next = 0;
  const cycleLine = async (lineId: string) => {
    while (next < cycles) {
      const n = next++;
      const started = performance.now();
      const [first] = simulations.start(lineId, 'normal');
      const handle = supervisor.get(first!.id)!;
      const info = await new Promise<ProcessInfo>((resolve) => {
        const poll = () => {
          const i = handle.info();
          if (i.status === 'starting') setTimeout(poll, 2);
          else resolve(i);
        };
        poll();
      });
      readyMs.push(performance.now() - started);
      assert.equal(info.status, 'running', `cycle ${n}: ${info.tail.join(' | ')}`);
      const port = info.info.port as number;
      assert.equal(await accepts(port), true, `cycle ${n}: the simulator listens on ${port}`);
      seen.push({ pid: info.pid!, port });

      const [stopped] = await simulations.stop(lineId);
      assert.equal(stopped!.status, 'stopped');
      assert.equal(stopped!.exitCode, 0, `cycle ${n}: ${stopped!.tail.join(' | ')}`);
      // Reaped by now: not even a zombie is left.
      assert.throws(() => readFileSync(`/proc/${info.pid}/stat`), `cycle ${n}: pid ${info.pid} still exists after the stop`);
    }
  };
  await Promise.all(simulations.lines().map(cycleLine));

  assert.equal(seen.length, cycles);
  const pids = new Set(seen.map((s) => s.pid));
  assert.equal(pids.size, cycles, 'a new process every cycle');
  const left = descendantsOf(process.pid).filter((c) => pids.has(c.pid) || c.state === 'Z');
  assert.deepEqual(left, [], 'no simulator child (or zombie) is left');
  for (const port of new Set(seen.map((s) => s.port))) assert.equal(await accepts(port), false, `port ${port} still accepts connections`);
  assert.ok(supervisor.list().every((p) => p.status === 'stopped'));

  readyMs.sort((a, b) => a - b);
  t.diagnostic(`start to ready: p50 ${Math.round(readyMs[cycles / 2]!)} ms, max ${Math.round(readyMs.at(-1)!)} ms`);
});
