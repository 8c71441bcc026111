/**
 * Alarm benchmark. Prints:
 *
 * 1. Engine cost: CPU time of the alarm engine (routing, evaluation, comm-loss bookkeeping)
 *    per 1000 samples, with no transitions and with 1 % of samples crossing a limit (each
 *    crossing is a journal + state write in SQLite), and what 1000 samples/s costs of one core.
 * 2. Alarm-to-screen: a Modbus client forces a tag of a simulated PLC across its HI limit;
 *    from the poll reply that carries the crossing (`readAt`, stamped in the poller worker)
 *    to the `alarm` event parsed by an SSE client, p50/p99 — and, inside it, reply → engine.
 *
 *   node --import tsx test/bench/alarm.bench.ts [--rounds 200] [--scan 100] [--tags 1000] [--engine-only]
 *
 * Part 2 needs a production build (`npx next build`). The SSE client and the Modbus writer
 * run in a child process so they don't share the server's event loop.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Sample } from '../../lib/types.ts';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import { buildServer } from '../../server/build-server.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { login } from '../helpers/test-server.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { benchServerConfig } from './live-path.ts';

const { values: args } = parseArgs({
  options: {
    tags: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '200' },
    scan: { type: 'string', default: '100' },
    'engine-only': { type: 'boolean', default: false },
  },
});
const tagCount = Number(args.tags);
const sampleCount = Number(args.samples);
const rounds = Number(args.rounds);
const scanMs = Number(args.scan);

const f = (n: number, d = 2) => n.toFixed(d);

/** `tags` analog tags with HIHI/HI/LO limits, deadband and on-delay, plus one fault bit per 10, on 10 PLCs. */
function enginePlant() {
  const perPlc = Math.ceil(tagCount / 10);
  return parsePlant({
    name: 'bench',
    lines: Array.from({ length: 10 }, (_, p) => ({
      id: `l${p}`,
      name: `Line ${p}`,
      connections: [
        {
          id: `plc${p}`,
          protocol: 'tcp',
          port: 502,
          tags: Array.from({ length: perPlc }, (_, i) =>
            i % 10 === 9
              ? { name: `b${i}`, area: 'coil', address: i, type: 'bool', alarms: { on: true } }
              : {
                  name: `t${i}`,
                  area: 'holding',
                  address: i * 2,
                  type: 'float32',
                  // No on-delay: every crossing is a transition, journaled at once.
                  alarms: { hihi: { limit: 120 }, hi: { limit: 100 }, lo: { limit: 10 }, deadband: 2 },
                },
          ),
        },
      ],
    })),
  });
}

async function engineCost(): Promise<void> {
  const plant = enginePlant();
  const dir = await mkdtemp(join(tmpdir(), 'lw-alarm-bench-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  let published = 0;
  const engine = createAlarmEngine({ plant, store: store.alarms, publish: () => published++, audited: (_a, _b, _c, run) => run(), log: silentLogger() });
  await engine.start();
  const ids = plant.lines.flatMap((l) => l.connections[0]!.tags.map((t) => ({ id: `${l.id}.${t.name}`, bool: t.type === 'bool' })));
  // Batches as the poller sends them: one block of a PLC at a time (~100 samples).
  const batchSize = Math.ceil(ids.length / 10);

  function run(crossingEvery: number): { usPer1000: number; transitions: number } {
    const before = published;
    const batch: Sample[] = new Array(batchSize);
    const ts = Date.now();
    let n = 0;
    const cpu0 = process.cpuUsage();
    while (n < sampleCount) {
      for (let i = 0; i < batchSize; i++, n++) {
        const t = ids[n % ids.length]!;
        // A crossing goes past HIHI (raises HIHI and HI); the tag's next sample clears both.
        const crossing = crossingEvery > 0 && n % crossingEvery === 0;
        const value = t.bool ? (crossing ? 1 : 0) : crossing ? 130 : 50 + (n % 7);
        batch[i] = { tag: t.id, ts, value, quality: 'good' };
      }
      engine.onSamples(batch);
    }
    const cpu = process.cpuUsage(cpu0);
    return { usPer1000: ((cpu.user + cpu.system) / n) * 1000, transitions: published - before };
  }

  run(0); // warm up (JIT)
  const quiet = run(0);
  const busy = run(101);
  await engine.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const points = plant.lines.reduce((n, l) => n + l.connections[0]!.tags.reduce((m, t) => m + (t.type === 'bool' ? 1 : 3), 1), 0);
  console.log(
    `engine cost: ${ids.length} tags, ${points} alarm points (HIHI/HI/LO per analog tag, fault bits, comm loss), ${sampleCount.toLocaleString('en-US')} samples per run, batches of ${batchSize}`,
  );
  console.log(`  no transitions:      ${f(quiet.usPer1000)} µs CPU per 1000 samples → 1000 samples/s costs ${f(quiet.usPer1000 / 10_000, 4)} % of one core`);
  console.log(
    `  1 % crossing a limit: ${f(busy.usPer1000)} µs CPU per 1000 samples (${busy.transitions.toLocaleString('en-US')} transitions journaled in SQLite) → 1000 samples/s costs ${f(busy.usPer1000 / 10_000, 3)} % of one core`,
  );
}

async function alarmToScreen(): Promise<void> {
  const plant = parsePlant({
    name: 'bench',
    lines: [
      {
        id: 'bench',
        name: 'Bench',
        simulation: { autoStart: true, scenario: 'normal' },
        connections: [
          {
            id: 'bench-plc',
            protocol: 'tcp',
            port: 0,
            simulated: true,
            scanMs,
            tags: [
              {
                name: 'level',
                area: 'holding',
                address: 0,
                type: 'float32',
                sim: { model: 'constant', nominal: 50 },
                alarms: { hi: { limit: 100, priority: 'high' }, deadband: 1 },
              },
              ...Array.from({ length: 99 }, (_, i) => ({
                name: `t${i}`,
                area: 'holding',
                address: 2 + i * 2,
                type: 'float32',
                sim: { model: 'analog', nominal: 50, noise: 0.5 },
                alarms: { hi: { limit: 100 }, lo: { limit: 0 }, deadband: 1, onDelayMs: 1000 },
              })),
            ],
          },
        ],
      },
    ],
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-alarm-bench-'));
  const server = await buildServer(benchServerConfig({ dataDir, plant, autoStartSimulations: true }));
  try {
    const cookie = await login(server.url, 'admin');
    let port: number | undefined;
    for (let i = 0; i < 100 && port === undefined; i++) {
      const { processes } = await (await fetch(`${server.url}/api/processes`, { headers: { cookie } })).json();
      const p = processes.find((x: { id: string; status: string }) => x.id === 'sim-bench-plc' && x.status === 'running');
      if (p) port = p.info.port;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (port === undefined) throw new Error('simulated PLC did not start');
    // The server's own event-loop delay while measuring: tells a stalled loop from a busy machine.
    const eld = monitorEventLoopDelay({ resolution: 5 });
    eld.enable();
    const child = fork(
      new URL('./alarm-screen-client.ts', import.meta.url),
      [JSON.stringify({ url: `${server.url}/api/stream?line=bench`, cookie, port, rounds, scanMs })],
      {
        execArgv: ['--import', 'tsx'],
      },
    );
    const r = await new Promise<{ screen: number[]; engine: number[]; clear: number[] }>((resolve, reject) => {
      child.once('message', resolve as (m: unknown) => void);
      child.once('exit', (code) => code && reject(new Error(`client exited ${code}`)));
    });
    eld.disable();
    const pct = (list: number[], p: number) => {
      const s = [...list].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
    };
    console.log(`alarm-to-screen: ${r.screen.length} raises of a HI alarm (no on-delay), scan ${scanMs} ms, 100 alarmed tags on the PLC`);
    console.log(
      `  poll reply → alarm event at the SSE client: p50 ${f(pct(r.screen, 50))} ms, p99 ${f(pct(r.screen, 99))} ms, max ${f(Math.max(...r.screen))} ms`,
    );
    console.log(`  of which poll reply → engine transition (ms clock): p50 ${f(pct(r.engine, 50))} ms, p99 ${f(pct(r.engine, 99))} ms`);
    console.log(`  clear (back below limit − deadband) → SSE client: p50 ${f(pct(r.clear, 50))} ms, p99 ${f(pct(r.clear, 99))} ms`);
    console.log(
      `  server event-loop delay meanwhile: p99 ${f(eld.percentile(99) / 1e6)} ms, max ${f(eld.max / 1e6)} ms; machine load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(`  end to end from the PLC's change: add up to one scan (${scanMs} ms) plus the on-delay configured`);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await engineCost();
if (!args['engine-only']) await alarmToScreen();
