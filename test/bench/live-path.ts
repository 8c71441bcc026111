/**
 * The live-path benchmark as a library: a real server with N tags on simulated PLCs and a
 * child process of M SSE clients measuring poll reply received (in the live process) →
 * event parsed by a client. `live.bench.ts` is its command line; other benchmarks measure
 * the live path while they load the server (history-live.bench.ts).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Histogram } from 'prom-client';
import type { Plant } from '../../lib/plant/schema.ts';
import { buildServer, type LinewatchServer } from '../../server/build-server.ts';
import type { Config } from '../../server/config.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { liveProcessOf, schedStat, statField } from '../helpers/proc-stat.ts';
import { login, testPassword } from '../helpers/test-server.ts';
import { createLogger, silentLogger } from '../../server/log/logger.ts';
import { realtimeNodeFlags } from '../../server/util/thread-priority.ts';

/**
 * The command-line options of every live-path benchmark (for `parseArgs`), with a bench's
 * own defaults for the plant's size and the clients; `liveBenchOptions` reads them.
 */
export const liveBenchArgs = (defaults: { tags: string; clients: string; plcs: string }) =>
  ({
    tags: { type: 'string', default: defaults.tags },
    scan: { type: 'string', default: '100' },
    clients: { type: 'string', default: defaults.clients },
    seconds: { type: 'string', default: '10' },
    plcs: { type: 'string', default: defaults.plcs },
    /** The live process's real-time priority (0: ordinary; default: the server's). */
    'live-priority': { type: 'string' },
    /** The load client's real-time priority (0: ordinary); see `clientPriority`. */
    'client-priority': { type: 'string', default: '11' },
  }) as const;

export function liveBenchOptions(args: {
  tags: string;
  scan: string;
  clients: string;
  plcs: string;
  'live-priority'?: string;
  'client-priority': string;
}): LiveBenchOptions {
  return {
    tags: Number(args.tags),
    scanMs: Number(args.scan),
    clients: Number(args.clients),
    plcs: Math.min(Number(args.plcs), Number(args.tags)),
    ...(args['live-priority'] !== undefined && { livePriority: Number(args['live-priority']) }),
    clientPriority: Number(args['client-priority']),
  };
}

export interface LiveBenchOptions {
  tags: number;
  scanMs: number;
  clients: number;
  plcs: number;
  /** Use this data dir (kept) instead of a fresh temp one (removed on close). */
  dataDir?: string;
  /** The server's store in this PostgreSQL database instead of the SQLite file in the data dir. */
  databaseUrl?: string;
  history?: Config['history'];
  jobs?: Config['jobs'];
  /** The server's `live.realtimePriority` (its default when absent). */
  livePriority?: number;
  /**
   * SCHED_RR priority of the load client's event loop, 0 for an ordinary one. Default 11: one
   * above the live process, so a client is woken as soon as bytes reach its socket, as a
   * browser on a device of its own would be; at an ordinary priority on this machine it waits
   * behind the very load a benchmark puts on the server, which no remote client would.
   */
  clientPriority?: number;
}

export interface LiveResult {
  events: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
  count: number;
  seconds: number;
  /** The load client process's CPU, % of one core: near 100 it is the bottleneck. */
  clientCpuPct: number;
  /** The load client's scheduling policy, e.g. `SCHED_RR 11`. */
  clientSchedule: string;
  /** Server process CPU (main thread and its workers), % of one core. */
  cpuPct: number;
  rssMaxMiB: number;
  /** The live process's CPU (polling included), % of one core, and its resident size. */
  liveCpuPct: number;
  /** The live thread's run-queue wait (see `runQueueWait`), where the kernel keeps schedstats. */
  liveWait?: { msPerS: number; usPerSlice: number };
  liveRssMiB: number;
  /** The live process's main thread's policy, e.g. `SCHED_RR 10`. */
  liveSchedule: string;
  /**
   * The server's own part, from its `linewatch_stream_fanout_seconds` histogram over the
   * window: poll reply → written to every client's socket, p50 and p99 as the upper bounds
   * of their buckets, ms.
   */
  fanoutP50: number;
  fanoutP99: number;
}

/** What a load client process measures, with the part of the latency after the bus took the event. */
export type LoadClientResult = Pick<LiveResult, 'events' | 'samples' | 'p50' | 'p99' | 'max' | 'count' | 'clientCpuPct'> & {
  afterBusP50: number;
  afterBusP99: number;
};

/** Cumulative bucket counts of a histogram, by upper bound (s). */
export async function bucketsOf(histogram: Histogram): Promise<Map<number, number>> {
  const { values } = await histogram.get();
  return new Map(values.filter((v) => v.metricName?.endsWith('_bucket')).map((v) => [Number(v.labels.le), v.value]));
}

/** The upper bound (ms) of the bucket holding percentile `p` of what was observed between two readings. */
export function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const delta = [...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const total = delta.at(-1)?.[1] ?? 0;
  const bucket = delta.find(([, n]) => n >= (p / 100) * total);
  return total === 0 || !bucket ? Number.NaN : bucket[0] * 1000;
}

export interface LiveBench {
  server: LinewatchServer;
  /** Admin session cookie. */
  cookie: string;
  /** Opens the SSE clients, warms up, measures for `seconds`; the clients close afterwards. */
  measure(seconds: number, warmupS?: number): Promise<LiveResult>;
  close(): Promise<void>;
}

/** Lines bench-0…bench-(P−1), one simulated PLC each, float32 analog tags `t0…` packed in holding registers. */
export function benchPlant(tags: number, scanMs: number, plcs: number): Plant {
  const perPlc = Math.ceil(tags / plcs);
  return parsePlant({
    name: 'bench',
    lines: Array.from({ length: plcs }, (_, p) => ({
      id: `bench-${p}`,
      name: `Bench ${p}`,
      simulation: { autoStart: true, scenario: 'normal' },
      connections: [
        {
          id: `bench-${p}-plc`,
          protocol: 'tcp',
          port: 0,
          simulated: true,
          scanMs,
          tags: Array.from({ length: Math.min(perPlc, tags - p * perPlc) }, (_, i) => ({
            name: `t${i}`,
            area: 'holding',
            address: i * 2,
            type: 'float32',
            sim: { model: 'analog', nominal: 100 + i, noise: 0.5 },
          })),
        },
      ],
    })),
  });
}

/** A benchmark server's configuration: 127.0.0.1:0, the production build, an admin with the test password, silent (BENCH_VERBOSE: debug logs); `changes` win. */
export function benchServerConfig(changes: Pick<Config, 'dataDir' | 'plant' | 'autoStartSimulations'> & Partial<Config>): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dev: false,
    serveNext: true,
    appDir: process.cwd(),
    log: process.env.BENCH_VERBOSE ? createLogger({ level: 'debug' }) : silentLogger(),
    auth: {
      adminPassword: testPassword,
      idleTimeoutMs: 3600_000,
      kioskIdleTimeoutMs: 3600_000,
      absoluteTimeoutMs: 3600_000,
      trustProxy: false,
      maxLoginFailures: 10,
    },
    ...changes,
  };
}

/** All of a load client's streams share one sign-in: no caps. */
export const uncappedStreams = { streamCaps: { perSession: 100_000, perUser: 100_000, perIp: 100_000, opensPerMinute: 1_000_000 } };

/** What sse-load-client.ts is told: where, as whom, how many clients, for how long, and its SCHED_RR priority (0: ordinary). */
export interface LoadClientOrder {
  url: string;
  cookie: string;
  clients: number;
  seconds: number;
  warmupS: number;
  priority: number;
}

/** Forks a load client (sse-load-client.ts): its pid, and its figures once it has measured (then it exits). */
export function forkLoadClient(order: LoadClientOrder): { pid: number; result: Promise<LoadClientResult> } {
  // At a real-time priority it needs what the live process needs there.
  const client = fork(new URL('./sse-load-client.ts', import.meta.url), [JSON.stringify(order)], {
    execArgv: ['--import', 'tsx', ...realtimeNodeFlags(order.priority)],
  });
  const result = new Promise<LoadClientResult>((resolve, reject) => {
    client.once('message', resolve as (m: unknown) => void);
    client.once('exit', (code) => code && reject(new Error(`load client exited ${code}`)));
  });
  return { pid: client.pid!, result };
}

/** Starts the server on the bench plant and waits until every simulated PLC answers. Needs a production build. */
export async function startLiveBench(o: LiveBenchOptions): Promise<LiveBench> {
  const plcs = Math.min(o.plcs, o.tags);
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'lw-bench-')));
  const server = await buildServer(
    benchServerConfig({
      dataDir,
      databaseUrl: o.databaseUrl,
      plant: benchPlant(o.tags, o.scanMs, plcs),
      autoStartSimulations: true,
      history: o.history,
      jobs: o.jobs,
      live: { ...uncappedStreams, ...(o.livePriority !== undefined && { realtimePriority: o.livePriority }) },
    }),
  );
  const close = async () => {
    await server.close();
    if (!o.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // Simulators are child processes: measure only once every PLC answers.
    const readyBy = Date.now() + 60_000;
    while (!server.runtime.lines().every((l) => l.state === 'running' || l.state === 'stopped')) {
      if (Date.now() > readyBy) throw new Error(`simulated PLCs not all up after 60 s: ${JSON.stringify(server.runtime.lines())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const cookie = await login(server.url, 'admin');

  async function measure(seconds: number, warmupS = 3): Promise<LiveResult> {
    const client = forkLoadClient({ url: `${server.url}/api/stream`, cookie, clients: o.clients, seconds, warmupS, priority: o.clientPriority ?? 11 });
    await new Promise((r) => setTimeout(r, warmupS * 1000 + 500));
    const cpu0 = process.cpuUsage();
    // The live process (server/live/): polling and the streams, apart from the server's CPU figure.
    const livePid = liveProcessOf()?.pid;
    const liveTicks = () => (livePid ? Number(statField(livePid, 14)) + Number(statField(livePid, 15)) : Number.NaN);
    const liveTicks0 = liveTicks();
    const liveSched0 = livePid ? schedStat(livePid) : undefined;
    const fanout0 = await bucketsOf(server.runtime.metrics.streamFanout);
    // Set by the client itself as it starts (it exits once it has reported).
    const clientSchedule = scheduleOf(client.pid);
    const t0 = performance.now();
    let rssMax = 0;
    const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 250);
    try {
      const result = await client.result;
      const wallS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const liveRssMiB = livePid ? (Number(statField(livePid, 24)) * 4096) / 2 ** 20 : Number.NaN;
      // The live process reports its fan-out times once a second, so both readings lag by up to
      // a second: the window is shifted, not cut (clients are connected on both sides of it).
      const fanout = await bucketsOf(server.runtime.metrics.streamFanout);
      return {
        ...result,
        clientSchedule,
        seconds,
        cpuPct: ((cpu.user + cpu.system) / 1e6 / wallS) * 100,
        rssMaxMiB: rssMax / 2 ** 20,
        // Clock ticks of 10 ms (USER_HZ 100).
        liveCpuPct: (liveTicks() - liveTicks0) / wallS,
        liveWait: runQueueWait(liveSched0, livePid ? schedStat(livePid) : undefined, wallS),
        liveRssMiB,
        liveSchedule: livePid ? scheduleOf(livePid) : 'n/a',
        fanoutP50: bucketPercentile(fanout0, fanout, 50),
        fanoutP99: bucketPercentile(fanout0, fanout, 99),
      };
    } finally {
      clearInterval(rssTimer);
    }
  }

  return { server, cookie, measure, close };
}

/**
 * How long the live process's main thread (polling and fan-out) sat runnable in a run queue
 * while another task had the CPU: ms per second of the window, and µs per time slice run.
 * On a busy machine, much of the live path's latency beyond its own work is this.
 */
function runQueueWait(
  before: ReturnType<typeof schedStat>,
  after: ReturnType<typeof schedStat>,
  wallS: number,
): { msPerS: number; usPerSlice: number } | undefined {
  if (!before || !after || after.slices === before.slices) return undefined;
  const waitNs = after.waitNs - before.waitNs;
  return { msPerS: waitNs / 1e6 / wallS, usPerSlice: waitNs / 1e3 / (after.slices - before.slices) };
}

/** A thread's scheduling policy as `/proc` tells it (fields 41 and 40). */
function scheduleOf(pid: number): string {
  const policy = Number(statField(pid, 41));
  return policy === 2 || policy === 1 ? `${policy === 2 ? 'SCHED_RR' : 'SCHED_FIFO'} ${statField(pid, 40)}` : 'ordinary priority';
}

export const fmtMs = (n: number | null) => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(2));

/** The figures of one measurement, as `bench:live` prints them. */
export function printLive(o: LiveBenchOptions, r: LiveResult, indent = '  '): void {
  if (r.count === 0) console.log(`${indent}no sample events reached the clients`, r);
  console.log(`${indent}latency poll reply → client event: p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, max ${fmtMs(r.max)} ms (${r.count} events)`);
  console.log(
    `${indent}server side, poll reply → written to every client (its fan-out histogram): p50 ≤ ${fmtMs(r.fanoutP50)} ms, p99 ≤ ${fmtMs(r.fanoutP99)} ms`,
  );
  console.log(`${indent}delivered: ${Math.round(r.events / r.seconds)} events/s, ${Math.round(r.samples / r.seconds)} samples/s across all clients`);
  console.log(
    `${indent}live process: CPU ${r.liveCpuPct.toFixed(0)} % of one core (polling included) at ${r.liveSchedule}, RSS ${r.liveRssMiB.toFixed(0)} MiB; server: CPU ${r.cpuPct.toFixed(0)} %, RSS max ${r.rssMaxMiB.toFixed(0)} MiB; load client CPU ${r.clientCpuPct.toFixed(0)} % at ${r.clientSchedule}; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  if (r.liveWait) {
    console.log(
      `${indent}live thread waiting for a CPU while runnable: ${r.liveWait.msPerS.toFixed(1)} ms/s, ${r.liveWait.usPerSlice.toFixed(0)} µs per time slice (/proc schedstat)`,
    );
  }
  // The server here is this bench process, run from source (tsx and the bench in it): bench:memory measures the built one.
  console.log(`${indent}server tree RSS (server + live process, simulators apart): ${(r.rssMaxMiB + r.liveRssMiB).toFixed(0)} MiB`);
}
