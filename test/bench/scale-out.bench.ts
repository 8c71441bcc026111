/**
 * The live path scaled out, beside the single process in the same run: N tags on simulated
 * PLCs polled by collector processes, published on the Redis live bus, streamed by two web
 * instances to M SSE clients split between them; latency poll reply (stamped in the
 * collector) → event parsed by a client. Then the fail-over time over K SIGKILLs of the
 * collector that owns a line: kill → first good sample of that line from the new owner.
 *
 *   npm run bench:scale-out -- --tags 1000 --scan 100 --clients 200 --seconds 10 --kills 10
 *   (--live-priority N: the single process's and the web instances' live processes at SCHED_RR N,
 *   0 for ordinary ones; by default 10 for both: role all's default, and what the README's
 *   one-machine scale-out sets for web instances, which share the machine with the collectors)
 *
 * Needs a production build, PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { EventPayloads } from '../../lib/types.ts';
import { buildServer, type LinewatchServer } from '../../server/build-server.ts';
import { openRedisBus } from '../../server/bus/redis-bus.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { defaultLivePriority } from '../../server/util/thread-priority.ts';
import { startCollectorProcess } from '../helpers/collector-process.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { login } from '../helpers/test-server.ts';
import {
  benchPlant,
  benchServerConfig,
  bucketPercentile,
  bucketsOf,
  fmtMs,
  forkLoadClient,
  liveBenchArgs,
  liveBenchOptions,
  printLive,
  startLiveBench,
  uncappedStreams,
} from './live-path.ts';

const { values: args } = parseArgs({
  options: {
    ...liveBenchArgs({ tags: '1000', clients: '200', plcs: '10' }),
    collectors: { type: 'string', default: '2' },
    kills: { type: 'string', default: '10' },
  },
});
const options = liveBenchOptions(args);
const seconds = Number(args.seconds);
const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const busPrefix = `lw-bench:${randomBytes(4).toString('hex')}:`;
const warmupS = 3;
/** The web instances' live processes' SCHED_RR priority (0: ordinary). */
const webPriority = options.livePriority ?? defaultLivePriority;

// 1. The single process, as bench:live measures it.
const single = await startLiveBench(options);
try {
  console.log(`single process: ${options.tags} tags @ ${options.scanMs} ms on ${options.plcs} simulated PLCs, ${options.clients} SSE clients, ${seconds} s`);
  printLive(options, await single.measure(seconds));
} finally {
  await single.close();
}

// 2. Scaled out: collectors and two web instances on PostgreSQL and Redis.
const dir = await mkdtemp(join(tmpdir(), 'lw-scale-out-'));
const database = await createTestDatabase('lw_bench');
const collectors = new Map<string, ChildProcess>();
const webs: LinewatchServer[] = [];
const plant = benchPlant(options.tags, options.scanMs, options.plcs);
await writeFile(join(dir, 'plant.json'), JSON.stringify(plant));

function startCollector(id: string): ChildProcess {
  const child = startCollectorProcess({ id, dir, databaseUrl: database.url, redisUrl, busPrefix });
  collectors.set(id, child);
  return child;
}

const bus = await openRedisBus({ url: redisUrl, log: silentLogger(), keyPrefix: busPrefix });
const store = await createPostgresStore(database.url);
let lastGood = new Map<string, number>();
bus.subscribe((e) => {
  if (e.event !== 'sample') return;
  const { line, samples } = e.data as EventPayloads['sample'];
  if (samples.length > 0 && samples.every((s) => s.quality === 'good')) lastGood.set(line, Date.now());
});
const until = async <T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

try {
  for (let i = 1; i <= Number(args.collectors); i++) startCollector(`c${i}`);
  await until('every line collected', () => plant.lines.every((l) => lastGood.has(l.id)));
  for (let i = 0; i < 2; i++) {
    webs.push(
      await buildServer(
        benchServerConfig({
          dataDir: join(dir, `web${i}`),
          databaseUrl: database.url,
          role: 'web',
          redisUrl,
          busPrefix,
          plant,
          autoStartSimulations: false,
          // As the README's one-machine scale-out sets it (role web's own default is ordinary).
          live: { ...uncappedStreams, realtimePriority: webPriority },
        }),
      ),
    );
  }
  const perWeb = Math.ceil(options.clients / webs.length);
  const fanout0 = await Promise.all(webs.map((web) => bucketsOf(web.runtime.metrics.streamFanout)));
  const figures = await Promise.all(
    webs.map(async (web) => {
      const cookie = await login(web.url, 'admin');
      return forkLoadClient({ url: `${web.url}/api/stream`, cookie, clients: perWeb, seconds, warmupS, priority: options.clientPriority ?? 11 }).result;
    }),
  );
  console.log(
    `scaled out: ${args.collectors} collectors, 2 web instances (live processes at ${webPriority ? `SCHED_RR ${webPriority}` : 'ordinary priority'}), Redis live bus, ${perWeb} SSE clients on each, ${seconds} s`,
  );
  const fanout = await Promise.all(webs.map((web) => bucketsOf(web.runtime.metrics.streamFanout)));
  for (const [i, f] of figures.entries()) {
    console.log(
      `  web ${i + 1}, its own part (fan-out histogram: poll reply in the collector → written to every client): p50 ≤ ${fmtMs(bucketPercentile(fanout0[i]!, fanout[i]!, 50))} ms, p99 ≤ ${fmtMs(bucketPercentile(fanout0[i]!, fanout[i]!, 99))} ms`,
    );
    console.log(
      `  web ${i + 1}: latency poll reply → client event p50 ${fmtMs(f.p50)} ms, p99 ${fmtMs(f.p99)} ms, max ${fmtMs(f.max)} ms (${f.count} events); ${Math.round(f.events / seconds)} events/s; ` +
        `of which Redis entry (its id's time) → client p50 ${fmtMs(f.afterBusP50)} ms, p99 ${fmtMs(f.afterBusP99)} ms; load client CPU ${Math.round(f.clientCpuPct)} %`,
    );
  }
  const p99 = Math.max(...figures.map((f) => f.p99));
  // Everything shares this machine: collectors, web instances, Redis, PostgreSQL and the load clients.
  console.log(`  p99 over both (the larger): ${fmtMs(p99)} ms; target ≤ 15 ms: ${p99 <= 15 ? 'met' : 'NOT met'}; load average ${loadavg()[0]!.toFixed(1)}`);

  // 3. Fail-over: SIGKILL the owner of a line, time its first good sample from the new owner.
  const times: number[] = [];
  const line = plant.lines[0]!.id;
  let next = Number(args.collectors) + 1;
  for (let k = 0; k < Number(args.kills); k++) {
    const owner = await until('an owner', async () => (await store.leases.current()).find((l) => l.resource === `line:${line}`)?.holder);
    const killedAt = Date.now();
    collectors.get(owner)!.kill('SIGKILL');
    collectors.delete(owner);
    lastGood = new Map();
    await until('the line back', () => (lastGood.get(line) ?? 0) > killedAt + 100, 30_000);
    times.push(lastGood.get(line)! - killedAt);
    // Back to the same number of collectors, settled, before the next kill.
    startCollector(`c${next++}`);
    await new Promise((r) => setTimeout(r, 12_000));
  }
  times.sort((a, b) => a - b);
  if (times.length > 0)
    console.log(
      `fail-over over ${times.length} kills (SIGKILL → first good sample from the new owner): min ${times[0]} ms, median ${times[Math.floor(times.length / 2)]} ms, max ${times.at(-1)} ms; target max ≤ 10 s: ${times.at(-1)! <= 10_000 ? 'met' : 'NOT met'}`,
    );
} finally {
  for (const web of webs) await web.close();
  for (const child of collectors.values()) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 3000));
  for (const child of collectors.values()) child.kill('SIGKILL');
  await bus.close();
  // The run's keys (its events stream, liveness): nothing of it stays in Redis.
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${busPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await store.close();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
}
