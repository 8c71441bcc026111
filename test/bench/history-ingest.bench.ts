/**
 * Ingest benchmark: samples/s written to SQLite through the historian as the server runs it
 * (buffering, rollups kept in memory and merged in the same transactions, the transactions
 * themselves in the writer thread) against a bare better-sqlite3 insert loop (prepared
 * statement, the same batch size, nothing else) in the same run, and the main thread's
 * event-loop delay p99 while the historian ingests. Interleaved rounds, the order swapped
 * each round (so neither side always gets the cooler disk cache); the ratio target is
 * judged on the median of the per-round ratios, the lag target on the worst round's delay
 * p99. `--in-thread` writes on the main thread instead (for comparison).
 *
 * `--engine postgres`: the historian writes into PostgreSQL through the store (as the server
 * does there), against a bare `pg` loop on one connection writing the same rows in the same
 * batches into the same partitioned `samples` table, one statement per batch: INSERT … SELECT
 * FROM unnest of arrays (`--bare copy`: COPY through pg-copy-streams instead, about 20 % slower
 * here at 2000 rows a batch). Each side gets a fresh database (dropped afterwards), migrated
 * by the store.
 *
 *   npm run bench:history-ingest -- --samples 1000000 --tags 1000 --rounds 3
 *   npm run bench:history-ingest -- --engine postgres
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Sample } from '../../lib/types.ts';
import type { HistoryWriter } from '../../server/historian/history-writer.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { openHistoryWriter } from '../../server/historian/open-history-writer.ts';
import { createWorkerWriter } from '../../server/historian/worker-writer.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { ensureSamplePartitions } from '../../server/storage/postgres/pg-partitions.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000000' },
    tags: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '2000' },
    'in-thread': { type: 'boolean', default: false },
    engine: { type: 'string', default: 'sqlite' },
    /** PostgreSQL's bare loop: `unnest` (the faster) or `copy`. */
    bare: { type: 'string', default: 'unnest' },
  },
  // No positionals: a stray `--` (node … file.ts -- --x) would silently turn every option into one.
});
const total = Number(args.samples);
const tagCount = Number(args.tags);
const rounds = Number(args.rounds);
const batchSize = Number(args.batch);
const engine = args.engine;
if (engine !== 'sqlite' && engine !== 'postgres') throw new Error(`--engine sqlite|postgres, not ${engine}`);
if (args.bare !== 'copy' && args.bare !== 'unnest') throw new Error(`--bare copy|unnest, not ${args.bare}`);

/** Samples as the poller delivers them: every tag once per second, in poll-sized groups. */
const t0 = Date.now() - Math.ceil(total / tagCount) * 1000 - 3600_000;
const samples: Sample[] = Array.from({ length: total }, (_, i) => ({
  tag: `line-${i % 10}.t${i % tagCount}`,
  ts: t0 + Math.floor(i / tagCount) * 1000,
  value: (i % 977) / 7,
  quality: 'good',
}));

/** A rate only counts if every sample landed. */
function checkAllStored(file: string): void {
  const db = new Database(file, { readonly: true });
  const { n } = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM samples').get()!;
  db.close();
  if (n !== total) throw new Error(`${file}: ${n} samples stored of ${total}`);
}

async function rawLoop(dir: string): Promise<number> {
  const store = createSqliteStore(join(dir, 'raw.db'));
  await store.close(); // the same schema and pragmas, then a bare connection
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const ids = new Map<string, number>();
  const insertTag = db.prepare<[string]>('INSERT INTO tags (name) VALUES (?)');
  for (let i = 0; i < tagCount; i++) ids.set(samples[i]!.tag, Number(insertTag.run(samples[i]!.tag).lastInsertRowid));
  const insert = db.prepare<[number, number, number | null, number, string | null]>(
    'INSERT INTO samples (tag_id, ts, value, quality, reason) VALUES (?, ?, ?, ?, ?)',
  );
  const write = db.transaction((from: number) => {
    for (let i = from; i < Math.min(total, from + batchSize); i++) {
      const s = samples[i]!;
      insert.run(ids.get(s.tag)!, s.ts, s.value, 0, null);
    }
  });
  const start = performance.now();
  for (let i = 0; i < total; i += batchSize) write(i);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  checkAllStored(join(dir, 'raw.db'));
  return total / seconds;
}

/** A fresh PostgreSQL database for one side of a round, dropped afterwards whatever happens. */
async function withDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase('lw_bench_ingest');
  try {
    return await body(db.url);
  } finally {
    await db.drop();
  }
}

async function countPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM samples');
    if (rows[0]!.n !== total) throw new Error(`PostgreSQL: ${rows[0]!.n} samples stored of ${total}`);
  } finally {
    await client.end();
  }
}

function rawLoopPostgres(): Promise<number> {
  return withDatabase(async (url) => {
    await (await createPostgresStore(url)).close(); // the same tables, partitioned, then a bare connection
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      // The days' partitions and the tags before the clock, as the SQLite loop makes its tags:
      // the historian's store makes them as it goes (once per day and per tag).
      await ensureSamplePartitions(pool, samples[0]!.ts, samples.at(-1)!.ts);
      const client = await pool.connect();
      try {
        const names = samples.slice(0, tagCount).map((s) => s.tag);
        const { rows } = await client.query<{ id: number; name: string }>('INSERT INTO tags (name) SELECT unnest($1::text[]) RETURNING id, name', [names]);
        const ids = new Map(rows.map((r) => [r.name, r.id]));
        // One statement per batch, each its own transaction: the least a batch can cost.
        const write =
          args.bare === 'copy'
            ? async (from: number) => {
                let text = '';
                for (let i = from; i < Math.min(total, from + batchSize); i++) {
                  const s = samples[i]!;
                  text += `${ids.get(s.tag)}\t${s.ts}\t${s.value}\t0\n`;
                }
                await pipeline(Readable.from(text), client.query(copyFrom('COPY samples (tag_id, ts, value, quality) FROM STDIN')));
              }
            : async (from: number) => {
                const batch = samples.slice(from, from + batchSize);
                await client.query({
                  name: 'bench-insert',
                  text: 'INSERT INTO samples (tag_id, ts, value, quality) SELECT * FROM unnest($1::int[], $2::bigint[], $3::float8[], $4::int2[])',
                  values: [batch.map((s) => ids.get(s.tag)), batch.map((s) => s.ts), batch.map((s) => s.value), batch.map(() => 0)],
                });
              };
        const start = performance.now();
        for (let i = 0; i < total; i += batchSize) await write(i);
        const seconds = (performance.now() - start) / 1000;
        await countPostgres(url);
        return total / seconds;
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
}

function throughHistorian(dir: string): Promise<{ rate: number; lagP99: number; lagMax: number }> {
  if (engine === 'postgres')
    return withDatabase(async (url) => {
      const store = await createPostgresStore(url);
      try {
        return await ingest(store, openHistoryWriter(store, silentLogger()), () => countPostgres(url));
      } finally {
        await store.close(); // again, if the run failed: an open pool would keep the process alive
      }
    });
  const store = createSqliteStore(join(dir, 'historian.db'));
  const writer = args['in-thread'] ? undefined : createWorkerWriter({ file: join(dir, 'historian.db') });
  return ingest(store, writer, async () => checkAllStored(join(dir, 'historian.db')));
}

async function ingest(store: Store, writer: HistoryWriter | undefined, check: () => Promise<void>) {
  // The writer (its thread, or the pool's first connection) starts once with the server: start it before the clock does.
  await writer?.tags();
  const historian = createHistorian(store, { batchSize, writer });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  await historian.start();
  lag.enable();
  const start = performance.now();
  // Poll-sized appends, each its own macrotask, as batches arrive from the poller: they keep
  // coming while a flush runs (a running flush takes them too), as in the server, where the
  // flush timer starts it. A producer faster than the writer only waits while the buffer is
  // full (without spinning: the writer thread needs the other core).
  for (let i = 0; i < total; i += tagCount) {
    historian.append(samples.slice(i, i + tagCount));
    if (historian.buffered() >= 2 * batchSize) void historian.flush();
    while (historian.buffered() > 4 * batchSize) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setImmediate(r));
  }
  await historian.stop();
  const seconds = (performance.now() - start) / 1000;
  lag.disable();
  await store.close();
  await check();
  return { rate: total / seconds, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 };
}

const raw: number[] = [];
const hist: { rate: number; lagP99: number; lagMax: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const dir = await mkdtemp(join(tmpdir(), 'lw-bench-ingest-'));
  try {
    const bare = () => (engine === 'postgres' ? rawLoopPostgres() : rawLoop(dir));
    if (r % 2 === 0) {
      raw.push(await bare());
      hist.push(await throughHistorian(dir));
    } else {
      hist.push(await throughHistorian(dir));
      raw.push(await bare());
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const bestRaw = Math.max(...raw);
const best = hist.reduce((a, b) => (b.rate > a.rate ? b : a));
// Each round's two runs are back to back, so they share the machine's load of the moment:
// the median of the per-round ratios is the figure that other work on the machine moves least.
const pairRatios = hist.map((h, i) => h.rate / raw[i]!);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const k = (n: number) => `${Math.round(n / 1000)} k`;
console.log(
  `ingest${engine === 'postgres' ? ' into PostgreSQL' : ''}: ${total} samples over ${tagCount} tags, batches of ${batchSize}, ${rounds} interleaved rounds (load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
const bareName = engine === 'postgres' ? `bare pg ${args.bare === 'copy' ? 'COPY' : 'INSERT … unnest'} loop` : 'bare better-sqlite3 insert loop';
console.log(`  ${bareName}: ${raw.map(k).join(', ')} samples/s (best ${k(bestRaw)})`);
console.log(
  `  through the historian (+ rollups, ${engine === 'postgres' ? 'store writer' : args['in-thread'] ? 'main thread' : 'writer thread'}): ${hist.map((h) => k(h.rate)).join(', ')} samples/s (best ${k(best.rate)})`,
);
const ratio = median(pairRatios);
console.log(
  `  ratio historian / bare per round: ${pairRatios.map((r) => r.toFixed(2)).join(', ')}; median ${ratio.toFixed(2)}, best / best ${(best.rate / bestRaw).toFixed(2)} (target ≥ 0.7 on the median: ${ratio >= 0.7 ? 'met' : 'NOT met'})`,
);
const lagP99 = Math.max(...hist.map((h) => h.lagP99));
console.log(
  `  event-loop delay while the historian ingests: p99 ${hist.map((h) => h.lagP99.toFixed(1)).join(', ')} ms, max ${hist.map((h) => h.lagMax.toFixed(1)).join(', ')} ms (target p99 ≤ 20 ms, worst round: ${lagP99 <= 20 ? 'met' : 'NOT met'})`,
);
