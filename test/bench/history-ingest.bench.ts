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
 *   npm run bench:history-ingest -- --samples 1000000 --tags 1000 --rounds 3
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { createWorkerWriter } from '../../server/historian/worker-writer.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000000' },
    tags: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '2000' },
    'in-thread': { type: 'boolean', default: false },
  },
  // No positionals: a stray `--` (node … file.ts -- --x) would silently turn every option into one.
});
const total = Number(args.samples);
const tagCount = Number(args.tags);
const rounds = Number(args.rounds);
const batchSize = Number(args.batch);

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
  store.close(); // the same schema and pragmas, then a bare connection
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

async function throughHistorian(dir: string): Promise<{ rate: number; lagP99: number; lagMax: number }> {
  const store = createSqliteStore(join(dir, 'historian.db'));
  const writer = args['in-thread'] ? undefined : createWorkerWriter({ file: join(dir, 'historian.db') });
  // The writer thread starts once with the server: start it (and load its code) before the clock does.
  await writer?.tags();
  const historian = createHistorian(store, { batchSize, writer });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  historian.start();
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
  store.close();
  checkAllStored(join(dir, 'historian.db'));
  return { rate: total / seconds, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 };
}

const raw: number[] = [];
const hist: { rate: number; lagP99: number; lagMax: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const dir = await mkdtemp(join(tmpdir(), 'lw-bench-ingest-'));
  try {
    if (r % 2 === 0) {
      raw.push(await rawLoop(dir));
      hist.push(await throughHistorian(dir));
    } else {
      hist.push(await throughHistorian(dir));
      raw.push(await rawLoop(dir));
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
  `ingest: ${total} samples over ${tagCount} tags, batches of ${batchSize}, ${rounds} interleaved rounds (load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
console.log(`  bare better-sqlite3 insert loop: ${raw.map(k).join(', ')} samples/s (best ${k(bestRaw)})`);
console.log(
  `  through the historian (+ rollups, ${args['in-thread'] ? 'main thread' : 'writer thread'}): ${hist.map((h) => k(h.rate)).join(', ')} samples/s (best ${k(best.rate)})`,
);
const ratio = median(pairRatios);
console.log(
  `  ratio historian / bare per round: ${pairRatios.map((r) => r.toFixed(2)).join(', ')}; median ${ratio.toFixed(2)}, best / best ${(best.rate / bestRaw).toFixed(2)} (target ≥ 0.7 on the median: ${ratio >= 0.7 ? 'met' : 'NOT met'})`,
);
const lagP99 = Math.max(...hist.map((h) => h.lagP99));
console.log(
  `  event-loop delay while the historian ingests: p99 ${hist.map((h) => h.lagP99.toFixed(1)).join(', ')} ms, max ${hist.map((h) => h.lagMax.toFixed(1)).join(', ')} ms (target p99 ≤ 20 ms, worst round: ${lagP99 <= 20 ? 'met' : 'NOT met'})`,
);
