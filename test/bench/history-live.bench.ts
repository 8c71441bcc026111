/**
 * The live path while history is busy: the `bench:live` measurement (poll reply → SSE client
 * event, p99) first on an idle server, then during 30-day CSV exports of 1 Hz data (one
 * always running: the next starts when one ends) plus `--queries` clients (in a child
 * process) each asking for 30-day trends back to back, then idle again (`--rounds` times).
 * Prints every window, the ratio busy / idle of each round and their median (target ≤ 1.5×),
 * with what the exports and the queries achieved meanwhile.
 *
 *   npm run bench:history-live -- --tags 200 --scan 100 --clients 20 --seconds 10 --queries 10
 *   (--query-pause 1000: each query client waits 1 s between queries; --query-workers N; --no-export;
 *   --rounds N: N busy windows, each between two idle ones, and the median ratio;
 *   --live-priority N / --client-priority N: real-time priorities, 0 for ordinary ones)
 *
 * `--engine postgres`: the server's store is a fresh PostgreSQL database (populated the same
 * way, dropped afterwards): the same windows with PostgreSQL under the exports and queries.
 *
 * Needs a production build (`npx next build`). Populating 30 days through the historian first
 * takes a while (about 15 s per 2.6 M samples here).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver, performance as nodePerformance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { JobInfo, Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { fmtMs, liveBenchArgs, liveBenchOptions, printLive, startLiveBench } from './live-path.ts';

const { values: args } = parseArgs({
  options: {
    ...liveBenchArgs({ tags: '200', clients: '20', plcs: '4' }),
    queries: { type: 'string', default: '10' },
    days: { type: 'string', default: '30' },
    'no-export': { type: 'boolean', default: false },
    'query-workers': { type: 'string', default: '2' },
    /** Pause of each query client between two queries, ms (0: back to back). */
    'query-pause': { type: 'string', default: '0' },
    /** Busy windows, each between two idle ones. */
    rounds: { type: 'string', default: '1' },
    engine: { type: 'string', default: 'sqlite' },
  },
  // No positionals: a stray `--` (node … file.ts -- --x) would silently turn every option into one.
});
const options = liveBenchOptions(args);
const seconds = Number(args.seconds);
const queryClients = Number(args.queries);
const days = Number(args.days);
const queryPause = Number(args['query-pause']);
const rounds = Math.max(1, Number(args.rounds));
if (args.engine !== 'sqlite' && args.engine !== 'postgres') throw new Error(`--engine sqlite|postgres, not ${args.engine}`);
const DAY = 86_400_000;
/** Tags with 30 days of history: the export covers all of them, the queries pick among them. */
const historyTags = Array.from({ length: Math.min(4, options.tags) }, (_, i) => `bench-0.t${i}`);

const dataDir = await mkdtemp(join(tmpdir(), 'lw-bench-history-'));
const end = Date.now() - 60_000;
const start = end - days * DAY;
const n = (days * DAY) / 1000;
let pgDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let bench: Awaited<ReturnType<typeof startLiveBench>>;
try {
  if (args.engine === 'postgres') pgDatabase = await createTestDatabase('lw_bench_history_live');
  const t0 = performance.now();
  const store = pgDatabase ? await createPostgresStore(pgDatabase.url) : createSqliteStore(join(dataDir, 'linewatch.db'));
  try {
    const historian = createHistorian(store);
    for (let i = 0; i < n; i += 50_000) {
      const batch: Sample[] = [];
      for (let k = i; k < Math.min(n, i + 50_000); k++)
        batch.push({ tag: historyTags[0]!, ts: start + k * 1000, value: 100 + Math.sin(k / 600) * 5, quality: 'good' });
      historian.append(batch);
      await historian.flush();
    }
    await historian.stop();
  } finally {
    await store.close();
  }
  // The other tags get the same rows (copied in SQL: only the first one pays the historian).
  const rollupColumns = 'span, start, count, bad, min, min_ts, max, max_ts, sum, first, first_ts, last, last_ts, gap_ts';
  if (pgDatabase) {
    const client = new pg.Client({ connectionString: pgDatabase.url });
    await client.connect();
    try {
      for (const tag of historyTags.slice(1)) {
        await client.query('INSERT INTO tags (name) VALUES ($1)', [tag]);
        await client.query(
          'INSERT INTO samples SELECT (SELECT id FROM tags WHERE name = $1), ts, value, quality, reason FROM samples WHERE tag_id = (SELECT id FROM tags WHERE name = $2)',
          [tag, historyTags[0]],
        );
        await client.query(
          `INSERT INTO rollups SELECT (SELECT id FROM tags WHERE name = $1), ${rollupColumns} FROM rollups WHERE tag_id = (SELECT id FROM tags WHERE name = $2)`,
          [tag, historyTags[0]],
        );
      }
      // A running plant's steady state (as in bench:history-query): autovacuum visited month-old
      // pages long ago; tables filled a moment ago have not been visited yet.
      await client.query('VACUUM (ANALYZE)');
    } finally {
      await client.end();
    }
  } else {
    const db = (await import('better-sqlite3')).default(join(dataDir, 'linewatch.db'));
    for (const tag of historyTags.slice(1)) {
      db.prepare('INSERT INTO tags (name) VALUES (?)').run(tag);
      db.prepare(
        'INSERT INTO samples SELECT (SELECT id FROM tags WHERE name = ?), ts, value, quality, reason FROM samples WHERE tag_id = (SELECT id FROM tags WHERE name = ?)',
      ).run(tag, historyTags[0]);
      db.prepare(
        `INSERT INTO rollups SELECT (SELECT id FROM tags WHERE name = ?), ${rollupColumns} FROM rollups WHERE tag_id = (SELECT id FROM tags WHERE name = ?)`,
      ).run(tag, historyTags[0]);
    }
    db.close();
  }
  console.log(
    `populated ${historyTags.length} tags × ${days} days @ 1 Hz (${((n * historyTags.length) / 1e6).toFixed(1)} M samples${pgDatabase ? ', PostgreSQL' : ''}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  bench = await startLiveBench({ ...options, dataDir, databaseUrl: pgDatabase?.url, history: { queryWorkers: Number(args['query-workers']) } });
} catch (error) {
  // Nothing left behind when populating or the server's start fails (the finally below covers the rest).
  await rm(dataDir, { recursive: true, force: true });
  await pgDatabase?.drop();
  throw error;
}
try {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(bench.server.url + path, { ...init, headers: { cookie: bench.cookie, 'content-type': 'application/json', ...init.headers } });
  console.log(
    `live path${pgDatabase ? ' (PostgreSQL store)' : ''}: ${options.tags} tags @ ${options.scanMs} ms on ${options.plcs} simulated PLCs, ${options.clients} SSE clients, ${seconds} s measured; ${args['query-workers']} query workers`,
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const delay = () => `main-thread event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`;
  const utilisation = (from: ReturnType<typeof nodePerformance.eventLoopUtilization>) =>
    `main thread busy ${(nodePerformance.eventLoopUtilization(from).utilization * 100).toFixed(0)} % of the time`;
  // A server that has been up a while has answered a trend and an export before: Next loads
  // a route's code on its first request (tens of ms on the main thread, once), which is not
  // what this measures.
  const warm = await api(`/api/history?tags=${historyTags[0]}&from=${new Date(end - DAY).toISOString()}&to=${new Date(end).toISOString()}&width=100`);
  if (warm.status !== 200) throw new Error(`warm-up query failed: ${warm.status} ${await warm.text()}`);
  await warm.arrayBuffer();
  await (await api('/api/jobs')).arrayBuffer();

  /** One measured window: the live path, and the main thread's loop delay and use meanwhile. */
  async function measureWindow() {
    loopDelay.reset();
    loopDelay.enable();
    const elu = nodePerformance.eventLoopUtilization();
    const pauses = { minor: [] as number[], major: [] as number[] };
    // The main isolate's GC pauses: a live-path stall the loop-delay figure alone does not explain.
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) pauses.minor.push(e.duration);
        else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) pauses.major.push(e.duration);
      }
    });
    gc.observe({ entryTypes: ['gc'] });
    const live = await bench.measure(seconds);
    gc.disconnect();
    loopDelay.disable();
    const gcLine = (label: string, xs: number[]) => `${xs.length} ${label} (max ${fmtMs(xs.length ? Math.max(...xs) : 0)} ms)`;
    return { live, mainThread: `${delay()}, ${utilisation(elu)}; GC ${gcLine('scavenges', pauses.minor)}, ${gcLine('mark-compacts', pauses.major)}` };
  }

  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;

  async function idleWindow(label: string) {
    const { live, mainThread } = await measureWindow();
    console.log(` ${label}:`);
    printLive(options, live);
    console.log(`  ${mainThread}`);
    return live;
  }

  // Busy: an export of every history tag over the whole range, and query clients in a loop.
  // An export that ends within the window is followed by the next one, so one always runs.
  async function busyWindow(label: string) {
    const exports: JobInfo[] = [];
    const startExport = async () => {
      const res = await api('/api/jobs', {
        method: 'POST',
        body: JSON.stringify({ tags: historyTags, from: new Date(start).toISOString(), to: new Date(end).toISOString() }),
      });
      if (res.status !== 202) throw new Error(`export refused: ${res.status} ${await res.text()}`);
      exports.push(((await res.json()) as { job: JobInfo }).job);
    };
    const ended = async (job: JobInfo) => ['succeeded', 'failed', 'cancelled'].includes((await bench.server.runtime.jobs.get(job.id)).status);
    let exporting: NodeJS.Timeout | undefined;
    if (!args['no-export']) {
      await startExport();
      let starting = false;
      // Read in-process (no request): only the next export's start goes through the API.
      exporting = setInterval(() => {
        if (starting) return;
        starting = true;
        void ended(exports.at(-1)!)
          .then((done) => (done ? startExport() : undefined))
          .finally(() => (starting = false));
      }, 250);
    }
    // The query clients run in a child process, as browsers would be elsewhere: their fetches
    // and JSON parsing must not land on the server's event loop.
    const queryClient = fork(
      new URL('./history-query-client.ts', import.meta.url),
      [JSON.stringify({ url: bench.server.url, cookie: bench.cookie, clients: queryClients, tags: historyTags, days, end, pause: queryPause })],
      {
        execArgv: ['--import', 'tsx'],
      },
    );
    const queried = new Promise<{ latencies: number[]; serverMs: number[]; cpuPct: number }>((resolve, reject) => {
      queryClient.once('message', resolve as (m: unknown) => void);
      queryClient.once('exit', (code) => code && reject(new Error(`query client exited ${code}`)));
    });
    const { live: busy, mainThread } = await measureWindow();
    clearInterval(exporting);
    queryClient.send('stop');
    const { latencies, serverMs, cpuPct } = await queried;
    const job = exports.at(-1);
    console.log(
      ` ${label} (${job ? `${days}-day CSV exports of ${historyTags.length} tags, one after the other, + ` : ''}${queryClients} clients querying ${days}-day trends ${queryPause > 0 ? `with ${queryPause} ms between queries` : 'back to back'}):`,
    );
    printLive(options, busy);
    console.log(`  ${mainThread}`);
    const busyS = seconds + 3.5;
    console.log(
      `  history queries: ${latencies.length} answered (${(latencies.length / busyS).toFixed(1)}/s), round trip p50 ${fmtMs(pct(latencies, 50))} ms, p99 ${fmtMs(pct(latencies, 99))} ms; worker time p50 ${fmtMs(pct(serverMs, 50))} ms; the query clients' process took ${cpuPct.toFixed(0)} % of a core`,
    );
    if (job) {
      const last = await bench.server.runtime.jobs.get(job.id);
      const done = (await Promise.all(exports.map((j) => bench.server.runtime.jobs.get(j.id)))).filter((j) => j.status === 'succeeded').length;
      console.log(`  exports: ${done} finished within the window, the last (job ${job.id}) ${last.status} at ${last.progress.toFixed(1)} %`);
      // Cancelling waits for the child process to be gone.
      if (!(await ended(job))) await api(`/api/jobs/${job.id}`, { method: 'DELETE' });
    }
    return busy;
  }

  // Idle and busy windows alternate: the machine's load drifts (other work on it, and the
  // idle p99 alone moves by 2× between windows here), so each busy figure is compared with
  // the lower of the two idle ones bracketing it (the stricter ratio), and with several
  // rounds the median ratio is the figure.
  const ratios: number[] = [];
  let before = await idleWindow('idle');
  for (let round = 1; round <= rounds; round++) {
    const busy = await busyWindow(rounds > 1 ? `busy, round ${round}` : 'busy');
    const after = await idleWindow('idle again');
    const idleP99 = Math.min(before.p99, after.p99);
    const ratio = busy.p99 / idleP99;
    ratios.push(ratio);
    console.log(
      `  live-path p99 busy / idle: ${ratio.toFixed(2)}× (idle p99 ${fmtMs(before.p99)} and ${fmtMs(after.p99)} ms, the lower counts); p50 busy / idle: ${(busy.p50 / Math.min(before.p50, after.p50)).toFixed(2)}×`,
    );
    before = after;
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
  console.log(
    `live-path p99 busy / idle${rounds > 1 ? `, median of ${rounds} rounds (${ratios.map((r) => r.toFixed(2)).join(', ')})` : ''}: ${median.toFixed(2)}× (target ≤ 1.5×: ${median <= 1.5 ? 'met' : 'NOT met'})`,
  );
} finally {
  await bench.close();
  await rm(dataDir, { recursive: true, force: true });
  await pgDatabase?.drop();
}
