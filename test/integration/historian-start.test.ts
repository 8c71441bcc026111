import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { emptyRollup, foldSample, MINUTE_MS, mergeRollup, minuteOf, startOf } from '../../server/historian/rollup-accumulator.ts';
import { createWorkerWriter } from '../../server/historian/worker-writer.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { HistoryPoint, RollupRow } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

/**
 * Issue 22, the historian's start after a crash: the rollup minutes the crash left out are
 * rebuilt from raw samples, and that takes a while after many crashes. Raw samples must be
 * committed from the start meanwhile (a kill before the first commit would lose more than one
 * batch), and no minute may be counted twice: the start minute holds samples of the previous
 * run (rebuilt) and of this one (rolled up as they arrive), and the 10-minute and hour rows
 * over the rebuilt minutes also hold this run's minutes.
 *
 * A real SQLite file and the worker-thread writer the server uses; the historian's clock runs
 * 100× faster than real time so this run's samples close minutes while the repair goes on.
 */

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const TAGS = 200;
const tags = Array.from({ length: TAGS }, (_, i) => `l.t${i}`);
/** The previous run's raw samples: 8½ minutes at 10 Hz per tag, no rollups for its last minutes (killed). */
const PREVIOUS_MS = 8.5 * MINUTE_MS;
const PREVIOUS_EVERY_MS = 100;
const FLUSH_MS = 200;
/** Fake ms per real ms while this run's samples come. */
const SPEED = 100;
const value = (tag: number, ts: number) => (tag * 7 + Math.floor(ts / 100)) % 1000;

/** A tag's 1-minute rows computed afresh from raw points, oldest first. */
function minutesOf(tag: string, raw: readonly HistoryPoint[]): RollupRow[] {
  const rows = new Map<number, RollupRow>();
  for (const p of raw) {
    const start = minuteOf(p.ts);
    if (!rows.has(start)) rows.set(start, emptyRollup(tag, MINUTE_MS, start));
    foldSample(rows.get(start)!, { tag, ...p });
  }
  return [...rows.values()].sort((a, b) => a.start - b.start);
}

test('after a crash: raw samples are committed within the flush interval while the rollup repair runs; the rollups then equal a rebuild from raw', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-historian-start-'));
  dirs.push(dir);
  const file = join(dir, 'linewatch.db');
  const store = createSqliteStore(file);
  // Half past a minute, so the start minute holds both runs' samples; a few hours back, on no hour boundary's edge.
  const startAt = minuteOf(Date.now()) - 3 * 3_600_000 + 30_000;
  const previous: Sample[] = [];
  for (let ts = startAt - PREVIOUS_MS; ts < startAt - 100; ts += PREVIOUS_EVERY_MS) {
    for (const [i, tag] of tags.entries()) previous.push({ tag, ts, value: value(i, ts), quality: ts % 7_000 === 0 ? 'bad' : 'good' });
  }
  for (let i = 0; i < previous.length; i += 50_000) await store.samples.insert(previous.slice(i, i + 50_000));
  // The previous run rolled its first tags up to four minutes before it died: the repair starts there for them.
  const rolledUpTo = minuteOf(startAt - 4 * MINUTE_MS);
  for (const tag of tags.slice(0, TAGS / 4)) {
    await store.rollups.replace(minutesOf(tag, await store.samples.query(tag, 0, rolledUpTo - 1, 1_000_000)));
  }

  // The previous run's WAL checkpointed: the first commits measured are this run's, not a checkpoint of the seed.
  const seeder = new Database(file);
  seeder.pragma('wal_checkpoint(TRUNCATE)');
  seeder.close();

  const { log, lines } = captureLog();
  let clock = startAt;
  const writer = createWorkerWriter({ file });
  // Its thread started (~0.3 s through tsx here; the server's bundle starts faster): not what is measured.
  await writer.tags();
  const historian = createHistorian(store, { writer, flushIntervalMs: FLUSH_MS, now: () => clock, log });
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  // One tag's (by the primary key): a scan of every sample would hold this thread up.
  const thisRunRows = reader.prepare<[number], { n: number }>(
    `SELECT count(*) AS n FROM samples WHERE tag_id = (SELECT id FROM tags WHERE name = '${tags.at(-1)}') AND ts >= ?`,
  );
  const repaired = () => lines.some((l) => l.includes('rebuilt rollup minutes'));

  const started = performance.now();
  await historian.start();
  // This run: every 20 ms (2 s on the historian's clock) a sample per tag, for 3 s (5 minutes on its clock).
  let firstCommitMs: number | undefined;
  let repairedMs: number | undefined;
  while (performance.now() - started < 3000) {
    for (const [i, tag] of tags.entries()) historian.append([{ tag, ts: clock, value: value(i, clock), quality: 'good' }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock += 20 * SPEED;
    if (firstCommitMs === undefined && thisRunRows.get(startAt)!.n > 0) firstCommitMs = performance.now() - started;
    if (repairedMs === undefined && repaired()) repairedMs = performance.now() - started;
  }
  await historian.stop();
  reader.close();
  repairedMs ??= performance.now() - started;
  console.log(`# first commit of this run's samples ${firstCommitMs?.toFixed(0)} ms after start; rollup repair done after ~${repairedMs.toFixed(0)} ms`);
  assert.ok(repaired(), lines.join('\n'));
  assert.ok(firstCommitMs !== undefined, 'this run’s samples were committed');
  assert.ok(
    firstCommitMs <= FLUSH_MS + 500,
    `first commit ${firstCommitMs.toFixed(0)} ms after start: within the flush interval (${FLUSH_MS} ms, + 500 ms for a loaded machine), not after the repair (${repairedMs.toFixed(0)} ms)`,
  );
  assert.ok(firstCommitMs < repairedMs, 'committed while the repair was still running (else this store had too little to repair)');

  // Every rollup row equals one computed afresh from every raw sample (both runs).
  for (const tag of tags) {
    const raw = await store.samples.query(tag, 0, Number.MAX_SAFE_INTEGER, 1_000_000);
    const minutes = minutesOf(tag, raw);
    const stored = await store.rollups.query(tag, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(stored.map(comparable), minutes.map(comparable), `${tag}: 1-minute rows`);
    for (const span of [10 * MINUTE_MS, 60 * MINUTE_MS]) {
      const expected = new Map<number, RollupRow>();
      for (const m of minutes) {
        const start = startOf(m.start, span);
        if (!expected.has(start)) expected.set(start, emptyRollup(tag, span, start));
        mergeRollup(expected.get(start)!, m);
      }
      const coarse = await store.rollups.query(tag, 0, Number.MAX_SAFE_INTEGER, span);
      assert.deepEqual(coarse.map(comparable), [...expected.values()].map(comparable), `${tag}: ${span / MINUTE_MS}-minute rows`);
    }
  }
  await store.close();
});

/** A row's statistics as compared (values are integers: sums are exact whatever the order). */
const comparable = (r: RollupRow) => [r.start, r.count, r.bad, r.min, r.minTs, r.max, r.maxTs, r.sum, r.first, r.firstTs, r.last, r.lastTs, r.gapTs];
