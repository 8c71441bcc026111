/**
 * How long an operator waits for an acknowledgement (and a sign-in) while the historian writes
 * heavily: the real server (role all, SQLite, production Next build) on the plant of
 * `npm run test:kill` — 2 simulated PLCs × 200 tags every 100 ms (4 000 samples/s) with 20
 * ramp alarms raised and cleared every ~2 s — and one client acknowledging whatever needs it
 * and signing in again between rounds. Both are answered only once their journal entry and
 * audit row are committed, so the history writer thread's hold on SQLite's write lock shows
 * up here.
 *
 * Prints p50, p90, p99 and max of POST /api/alarms/ack and POST /api/auth/login, ms.
 *
 *   node --import tsx test/bench/ack-latency.bench.ts --seconds 30   (LINEWATCH_NEXT_DIST_DIR: the build)
 *
 * `LINEWATCH_APP_DIR`: where the Next build is, when this runs from another checkout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '../../server/build-server.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { rampAlarmPlant } from '../helpers/ramp-alarm-plant.ts';
import { login, testConfig, testPassword } from '../helpers/test-server.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' } } });
const seconds = Number(args.seconds);
const warmupS = Number(args.warmup);

const plant = parsePlant(rampAlarmPlant({ name: 'ack latency', tags: 200, alarmTags: 10, scanMs: 100 }));

const dataDir = await mkdtemp(join(tmpdir(), 'lw-ack-latency-'));
const server = await buildServer(await testConfig(dataDir, { plant, log: silentLogger(), appDir: process.env.LINEWATCH_APP_DIR ?? process.cwd() }));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const summary = (name: string, ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const over = (ms: number) => s.filter((x) => x > ms).length;
  return `${name}: n ${s.length}, p50 ${percentile(s, 50).toFixed(1)}, p90 ${percentile(s, 90).toFixed(1)}, p99 ${percentile(s, 99).toFixed(1)}, max ${(s.at(-1) ?? Number.NaN).toFixed(1)} ms; over 25 / 50 / 100 ms: ${over(25)} / ${over(50)} / ${over(100)}`;
};

try {
  const cookie = await login(server.url, 'admin', testPassword);
  const acks: number[] = [];
  const logins: number[] = [];
  const measureFrom = Date.now() + warmupS * 1000;
  const end = measureFrom + seconds * 1000;
  while (Date.now() < end) {
    const res = await fetch(`${server.url}/api/alarms`, { headers: { cookie } });
    const { alarms } = (await res.json()) as { alarms: { id: string; acknowledged: boolean }[] };
    const todo = alarms.filter((a) => !a.acknowledged).slice(0, 3);
    if (todo.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const a of todo) {
      const started = performance.now();
      const ack = await fetch(`${server.url}/api/alarms/ack`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ ids: [a.id], comment: 'latency bench' }),
      });
      await ack.arrayBuffer();
      if (ack.ok && Date.now() >= measureFrom) acks.push(performance.now() - started);
    }
    const started = performance.now();
    await login(server.url, 'admin', testPassword);
    if (Date.now() >= measureFrom) logins.push(performance.now() - started);
  }
  console.log(
    `ack latency under history load (${seconds} s after ${warmupS} s warm-up; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  console.log(`  ${summary('POST /api/alarms/ack', acks)}`);
  console.log(`  ${summary('POST /api/auth/login', logins)}`);
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
