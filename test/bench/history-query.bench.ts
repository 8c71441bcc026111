/**
 * Trend query benchmark: 30 days of 1 Hz data for one tag (written through the historian,
 * so with its rollups), then trend queries of 30 days → 1000 px and of shorter ranges.
 * Prints the time spent in the query worker and the round trip through the worker pool
 * (dispatch, worker, answer as JSON text: the server's time for the request, HTTP aside),
 * p50/p95/max over `--runs` queries per range. The target is judged on the round trip.
 *
 * `--engine postgres`: the same data and queries on PostgreSQL (a fresh database, dropped
 * afterwards) and on SQLite in the same run, and their ratio (targets: PostgreSQL ≤ 50 ms,
 * and ≤ 2× SQLite).
 *
 *   npm run bench:history-query -- --runs 30
 *   npm run bench:history-query -- --engine postgres
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { createHistoryService } from '../../server/history/history-service.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, days: { type: 'string', default: '30' }, engine: { type: 'string', default: 'sqlite' } },
});
const runs = Number(args.runs);
const days = Number(args.days);
if (args.engine !== 'sqlite' && args.engine !== 'postgres') throw new Error(`--engine sqlite|postgres, not ${args.engine}`);
const DAY = 86_400_000;
const TAG = 'line.temp';
const engineName = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

const end = Math.floor(Date.now() / 60_000) * 60_000;
const start = end - days * DAY;
const n = (days * DAY) / 1000;

/** Writes the 30 days through the historian; returns the time it took, s. */
async function seed(store: Store): Promise<number> {
  const t0 = performance.now();
  const historian = createHistorian(store);
  for (let i = 0; i < n; i += 100_000) {
    const batch: Sample[] = [];
    for (let k = i; k < Math.min(n, i + 100_000); k++)
      batch.push({ tag: TAG, ts: start + k * 1000, value: 200 + 10 * Math.sin(k / 3600) + (k % 97) / 97, quality: 'good' });
    historian.append(batch);
    await historian.flush();
  }
  await historian.stop();
  return (performance.now() - t0) / 1000;
}

/** Every range's figures; returns the round trip of the first (the target's range). */
async function measure(store: Store): Promise<{ p50: number; p95: number }> {
  const service = createHistoryService({ store, knownTags: new Set([TAG]), config: { rawRetentionDays: days + 1 } });
  try {
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
    const ranges = [
      { name: `${days} days → 1000 px`, span: days * DAY, width: 1000 },
      { name: '7 days → 1000 px', span: 7 * DAY, width: 1000 },
      { name: '24 h → 1000 px', span: DAY, width: 1000 },
      { name: '8 h → 1000 px', span: 8 * 3600_000, width: 1000 },
      { name: '1 h → 1000 px', span: 3600_000, width: 1000 },
    ];
    let target: { p50: number; p95: number } | undefined;
    for (const r of ranges) {
      const worker: number[] = [];
      const trip: number[] = [];
      let points = 0;
      let resolution = '';
      for (let i = -3; i < runs; i++) {
        // Shift the window a little each time so no two queries are the same.
        const to = end - (((i + 3) * 60_000) % Math.max(60_000, days * DAY - r.span));
        const t = performance.now();
        const res = await service.trend({ tags: [TAG], from: to - r.span, to, width: r.width });
        if (i < 0) continue; // warm-up
        trip.push(performance.now() - t);
        worker.push(res.tookMs);
        points = res.series[0]!.points;
        resolution = res.resolution;
      }
      const f = (x: number) => x.toFixed(1);
      console.log(
        `  ${r.name.padEnd(22)} ${resolution.padEnd(4)} ${String(points).padStart(5)} points · worker p50 ${f(pct(worker, 50))} ms, p95 ${f(pct(worker, 95))} ms, max ${f(Math.max(...worker))} ms · round trip p50 ${f(pct(trip, 50))} ms, p95 ${f(pct(trip, 95))} ms`,
      );
      target ??= { p50: pct(trip, 50), p95: pct(trip, 95) };
    }
    return target!;
  } finally {
    await service.stop();
  }
}

/** `met` on p95, else whether p50 meets it. */
const verdict = (p50: number, p95: number, limit: number) => (p95 <= limit ? 'met' : p50 <= limit ? 'met at p50, NOT at p95' : 'NOT met');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const dir = await mkdtemp(join(tmpdir(), 'lw-bench-query-'));
const store = createSqliteStore(join(dir, 'linewatch.db'));
let pgDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pgStore: Store | undefined;
try {
  if (args.engine === 'postgres') pgDatabase = await createTestDatabase('lw_bench_query');
  // Both seeded before either is measured: PostgreSQL's background work after the bulk write
  // (autovacuum, checkpoints) has had the time SQLite's seeding takes to settle.
  pgStore = pgDatabase && (await createPostgresStore(pgDatabase.url));
  const pgSeedS = pgStore && (await seed(pgStore));
  if (pgDatabase) {
    // A running plant's steady state: autovacuum visited 30-day-old pages long ago (marking them
    // all-visible, which lets trends read rollups from the index alone); a table seeded a moment
    // ago has not been visited yet.
    const client = new pg.Client(pgDatabase.url);
    await client.connect();
    await client.query('VACUUM (ANALYZE) rollups');
    await client.end();
  }
  const seedS = await seed(store);
  const header = (engine: keyof typeof engineName, s: number) =>
    `trend queries${pgStore ? ` on ${engineName[engine]}` : ''}: ${days} days @ 1 Hz of one tag (${(n / 1e6).toFixed(2)} M samples, written in ${s.toFixed(0)} s), ${runs} queries per range`;

  console.log(header('sqlite', seedS));
  const sqlite = await measure(store);
  console.log(
    `  target: ${days} days → 1000 px in ≤ 50 ms of server time: round trip p50 ${sqlite.p50.toFixed(1)} ms, p95 ${sqlite.p95.toFixed(1)} ms: ${verdict(sqlite.p50, sqlite.p95, 50)} (load average ${load()})`,
  );
  if (pgStore) {
    console.log(header('postgres', pgSeedS!));
    const postgres = await measure(pgStore);
    const ratio = { p50: postgres.p50 / sqlite.p50, p95: postgres.p95 / sqlite.p95 };
    console.log(
      `  target: ${days} days → 1000 px in ≤ 50 ms of server time: round trip p50 ${postgres.p50.toFixed(1)} ms, p95 ${postgres.p95.toFixed(1)} ms: ${verdict(postgres.p50, postgres.p95, 50)} (load average ${load()})`,
    );
    console.log(
      `  PostgreSQL / SQLite, ${days} days → 1000 px round trip: p50 ${ratio.p50.toFixed(2)}×, p95 ${ratio.p95.toFixed(2)}× (target ≤ 2×: ${verdict(ratio.p50, ratio.p95, 2)})`,
    );
  }
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
  await pgStore?.close();
  await pgDatabase?.drop();
}
