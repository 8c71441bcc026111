import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { Sample } from '../../lib/types.ts';
import { createRollupAccumulator, emptyRollup, foldSample } from '../../server/historian/rollup-accumulator.ts';
import type { HistoryReader } from '../../server/storage/history-reader.ts';
import { openHistoryReader } from '../../server/storage/open-history-reader.ts';
import { dropSamplePartitionsBefore, ensureSamplePartitions, listSamplePartitions, writePostgresHistory } from '../../server/storage/postgres/pg-history.ts';
import { DAY_MS, partitionName } from '../../server/storage/postgres/pg-partitions.ts';
import type { RollupRow, Store } from '../../server/storage/store.ts';
import { eachEngine } from './engines.ts';

const M = 60_000;
const HOUR = 60 * M;

// Recent timestamps: the PostgreSQL writer gives a day a partition only near the present.
const DAY0 = (Math.floor(Date.now() / DAY_MS) - 1) * DAY_MS;

const good = (tag: string, ts: number, value: number): Sample => ({ tag, ts, value, quality: 'good' });
const bad = (tag: string, ts: number, reason = 'timeout'): Sample => ({ tag, ts, value: null, quality: 'bad', reason });

function rollupOf(tag: string, start: number, samples: readonly Sample[], span = M): RollupRow {
  const row = emptyRollup(tag, span, start);
  for (const s of samples) foldSample(row, s);
  return row;
}

eachEngine('history', ({ open }) => {
  test('samples: insert upserts, query orders and limits, tags lists, prune deletes the oldest', async () => {
    const { samples } = await open();
    const t = DAY0 + HOUR;
    await samples.insert([good('s.a', t, 1), good('s.a', t + 1000.4, 2), bad('s.a', t + 2000), good('s.b', t, 10)]);
    // The same tag and ms again: replaced; twice in one batch: the last wins.
    await samples.insert([
      good('s.a', t + 1000, 20),
      { tag: 's.a', ts: t + 3000, value: 5, quality: 'stale', reason: 'no fresh read' },
      good('s.a', t + 3000, 30),
    ]);
    await samples.insert([]);
    assert.deepEqual(await samples.query('s.a', t, t + 10_000, 100), [
      { ts: t, value: 1, quality: 'good' },
      { ts: t + 1000, value: 20, quality: 'good' },
      { ts: t + 2000, value: null, quality: 'bad', reason: 'timeout' },
      { ts: t + 3000, value: 30, quality: 'good' },
    ]);
    assert.deepEqual(
      (await samples.query('s.a', t + 1000, t + 2000, 1)).map((p) => p.ts),
      [t + 1000],
    );
    assert.deepEqual(await samples.query('nope', t, t + 10_000, 100), []);
    assert.deepEqual(await samples.tags(), ['s.a', 's.b']);

    assert.equal(await samples.prune('s.a', t + 3000, 2), 2);
    assert.deepEqual(
      (await samples.query('s.a', t, t + 10_000, 100)).map((p) => p.ts),
      [t + 2000, t + 3000],
    );
    assert.equal(await samples.prune('s.a', t + 3000, 100), 1);
    assert.equal(await samples.prune('s.a', t + 3000, 100), 0);
    assert.equal(await samples.prune('nope', t + 3000, 100), 0);
    assert.equal((await samples.query('s.b', t, t, 10)).length, 1);
  });

  test('rollups: two merges of one minute add up, widen extremes with their times, keep the first gap', async () => {
    const { rollups } = await open();
    const m = DAY0 + 2 * HOUR;
    const a = [good('r.a', m + 10_000, 5), good('r.a', m + 20_000, 1), bad('r.a', m + 30_000)];
    const b = [good('r.a', m + 5_000, 3), good('r.a', m + 40_000, 9), bad('r.a', m + 25_000, 'refused'), good('r.a', m + 50_000, 4)];
    await rollups.merge([rollupOf('r.a', m, a)]);
    await rollups.merge([rollupOf('r.a', m, b)]);
    const expected = { ...rollupOf('r.a', m, [...a, ...b]) };
    assert.deepEqual(await rollups.query('r.a', m, m), [expected]);
    assert.deepEqual(expected, {
      tag: 'r.a',
      span: M,
      start: m,
      count: 5,
      bad: 2,
      min: 1,
      minTs: m + 20_000,
      max: 9,
      maxTs: m + 40_000,
      sum: 22,
      first: 3,
      firstTs: m + 5_000,
      last: 4,
      lastTs: m + 50_000,
      gapTs: m + 25_000,
    });

    // Both halves in one batch (a late sample's row next to its minute) make the same row.
    await rollups.merge([rollupOf('r.b', m, a), rollupOf('r.b', m, b)]);
    assert.deepEqual(await rollups.query('r.b', m, m), [{ ...expected, tag: 'r.b' }]);

    // A minute of bad samples only, then good ones: statistics come from the good ones.
    await rollups.merge([rollupOf('r.c', m, [bad('r.c', m + 1000)])]);
    await rollups.merge([rollupOf('r.c', m, [good('r.c', m + 2000, 7)])]);
    assert.deepEqual(await rollups.query('r.c', m, m), [rollupOf('r.c', m, [bad('r.c', m + 1000), good('r.c', m + 2000, 7)])]);

    // Coarser spans are their own rows, queried by span.
    await rollups.merge([rollupOf('r.a', m, a, 10 * M)]);
    assert.deepEqual(await rollups.query('r.a', m, m, 10 * M), [rollupOf('r.a', m, a, 10 * M)]);
    assert.deepEqual(await rollups.query('nope', m, m), []);
  });

  test('rollups: replace rewrites the minutes and rebuilds the 10 minutes and the hour over them', async () => {
    const { rollups } = await open();
    const h = DAY0 + 3 * HOUR;
    const minute = (i: number, v: number) => rollupOf('x.a', h + i * M, [good('x.a', h + i * M + 1000, v), good('x.a', h + i * M + 2000, v + 1)]);
    // What the historian wrote: minutes 0..11 and their coarse rows, with minute 3 wrong.
    const written = Array.from({ length: 12 }, (_, i) => minute(i, i === 3 ? 100 : i));
    await rollups.merge(written);
    await rollups.merge([rollupOf('x.a', h, [good('x.a', h + 3 * M + 1000, 100)], 10 * M), rollupOf('x.a', h, [good('x.a', h + 3 * M, 100)], HOUR)]);
    // Rebuilt from raw: minute 3 right, minute 12 new.
    await rollups.replace([minute(3, 3), minute(12, 12)]);
    const minutes = await rollups.query('x.a', h, h + HOUR);
    assert.deepEqual(
      minutes.map((r) => r.first),
      Array.from({ length: 13 }, (_, i) => i),
    );
    const fold = (span: number, start: number) => {
      const row = emptyRollup('x.a', span, start);
      for (let i = 0; i <= 12; i++) {
        if (h + i * M < start || h + i * M >= start + span) continue;
        foldSample(row, good('x.a', h + i * M + 1000, i));
        foldSample(row, good('x.a', h + i * M + 2000, i + 1));
      }
      return row;
    };
    assert.deepEqual(await rollups.query('x.a', h, h + HOUR, 10 * M), [fold(10 * M, h), fold(10 * M, h + 10 * M)]);
    assert.deepEqual(await rollups.query('x.a', h, h + HOUR, HOUR), [fold(HOUR, h)]);
  });

  test('rollups: newestMinutes per tag, prune deletes the oldest of every span', async () => {
    const { rollups, samples } = await open();
    const h = DAY0 + 4 * HOUR;
    await rollups.merge([0, 1, 2, 3].map((i) => rollupOf('n.a', h + i * M, [good('n.a', h + i * M, i)])));
    await rollups.merge([rollupOf('n.a', h, [good('n.a', h, 0)], 10 * M), rollupOf('n.a', h, [good('n.a', h, 0)], HOUR)]);
    await rollups.merge([rollupOf('n.b', h + 7 * M, [good('n.b', h + 7 * M, 1)])]);
    await samples.insert([good('n.c', h, 1)]); // a tag with samples but no rollups
    const newest = await rollups.newestMinutes();
    assert.equal(newest.get('n.a'), h + 3 * M);
    assert.equal(newest.get('n.b'), h + 7 * M);
    assert.equal(newest.has('n.c'), false);

    // 1-minute rows first, oldest first, at most maxRows.
    assert.equal(await rollups.prune('n.a', h + 2 * M, 1), 1);
    assert.deepEqual(
      (await rollups.query('n.a', h, h + HOUR)).map((r) => r.start),
      [h + M, h + 2 * M, h + 3 * M],
    );
    assert.equal(await rollups.prune('n.a', h + 2 * M, 10), 3); // minute 1, the 10 minutes and the hour
    assert.deepEqual(await rollups.query('n.a', h, h + HOUR, 10 * M), []);
    assert.deepEqual(await rollups.query('n.a', h, h + HOUR, HOUR), []);
    assert.equal(await rollups.prune('n.a', h + 2 * M, 10), 0);
    assert.equal(await rollups.prune('nope', h, 10), 0);
  });

  test('writeHistory: raw samples and rollup rows in one call, rollups merged with what is stored', async () => {
    const store = await open();
    const m = DAY0 + 5 * HOUR;
    const first = [good('w.a', m + 1000, 4), bad('w.a', m + 2000)];
    const second = [good('w.a', m + 3000, 8)];
    await store.writeHistory(first, [rollupOf('w.a', m, first)]);
    await store.writeHistory(second, [rollupOf('w.a', m, second)]);
    await store.writeHistory([], []);
    assert.deepEqual(
      (await store.samples.query('w.a', m, m + M, 10)).map((p) => [p.ts, p.value, p.quality]),
      [
        [m + 1000, 4, 'good'],
        [m + 2000, null, 'bad'],
        [m + 3000, 8, 'good'],
      ],
    );
    assert.deepEqual(await store.rollups.query('w.a', m, m), [rollupOf('w.a', m, [...first, ...second])]);
  });
});

/** A day of 1 Hz samples of two tags, with quality gaps, and the rollup rows the historian would write, in batches. */
function dayOfData(): { samples: Sample[]; rollups: RollupRow[] }[] {
  const batches: { samples: Sample[]; rollups: RollupRow[] }[] = [];
  const acc = createRollupAccumulator();
  let batch: Sample[] = [];
  for (let s = 0; s < 86_400; s++) {
    const ts = DAY0 + s * 1000;
    // d.flow: a sine, bad for 5 minutes from 10:00 and for single seconds now and then.
    if ((s >= 36_000 && s < 36_300) || s % 1777 === 0) batch.push(bad('d.flow', ts));
    else batch.push(good('d.flow', ts, Math.round(Math.sin(s / 900) * 1000) / 10));
    // d.level: a ramp with spikes, stale (value kept) for 30 s every 3 hours, some ms off the second.
    const value = (s % 3600) / 36 + (s % 4999 === 0 ? 500 : 0);
    if (s % 10_800 < 30) batch.push({ tag: 'd.level', ts: ts + 250, value, quality: 'stale', reason: 'no fresh read' });
    else batch.push(good('d.level', ts + (s % 7), value));
    if (batch.length >= 5000) {
      for (const x of batch) acc.add(x);
      batches.push({ samples: batch, rollups: acc.takeClosed(ts) });
      batch = [];
    }
  }
  for (const x of batch) acc.add(x);
  batches.push({ samples: batch, rollups: acc.takeAll() });
  return batches;
}

function journal(seq: number, ts: number, alarm: string, transition: AlarmJournalEntry['transition'], suppressed = false): AlarmJournalEntry {
  return {
    seq,
    ts,
    alarm,
    line: alarm.split('.')[0]!,
    tag: alarm.replace(/\.[a-z]+$/, ''),
    kind: 'hi',
    label: `Label of ${alarm}`,
    message: `${alarm} ${transition}`,
    priority: seq % 2 ? 'high' : 'low',
    transition,
    state: transition === 'raised' ? 'unack-active' : 'normal',
    value: seq,
    limit: 10,
    user: null,
    comment: null,
    suppressed,
  };
}

/** Everything a HistoryReader answers about the day: compared across engines. */
async function readEverything(reader: HistoryReader): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const collect = async (fn: (sink: (t: number, v: number) => void) => Promise<number>) => {
    const points: [number, number][] = [];
    const n = await fn((t, v) => points.push([t, v]));
    return { n, points };
  };
  for (const tag of ['d.flow', 'd.level', 'nope']) {
    out[`raw ${tag}`] = await collect((sink) => reader.eachRaw(tag, DAY0, DAY0 + 86_400_000, sink));
    out[`raw hour ${tag}`] = await collect((sink) => reader.eachRaw(tag, DAY0 + 10 * HOUR - 1, DAY0 + 11 * HOUR, sink));
    for (const span of [M, 10 * M, HOUR]) {
      out[`rollups ${span} ${tag}`] = await collect((sink) => reader.eachRollupPoint(tag, span, DAY0, DAY0 + 86_400_000, sink));
      out[`newest ${span} ${tag}`] = await reader.newestRollupStart(tag, span);
      for (const ts of [DAY0 - 1, DAY0 + 10 * HOUR + 2 * M + 500, DAY0 + 10 * HOUR, DAY0 + 3 * HOUR + 15_000, DAY0 + 86_400_000]) {
        out[`rollupEdge ${span} ${tag} ${ts}`] = [await reader.rollupEdge(tag, span, ts, 'before'), await reader.rollupEdge(tag, span, ts, 'after')];
      }
    }
    for (const ts of [DAY0, DAY0 + 10 * HOUR + 150_000, DAY0 + 1777_000, DAY0 + 3 * HOUR + 10_250, DAY0 + 86_400_000]) {
      out[`rawEdge ${tag} ${ts}`] = [await reader.rawEdge(tag, ts, 'before'), await reader.rawEdge(tag, ts, 'after')];
    }
    out[`rawPoints ${tag}`] = await reader.rawPoints(tag, DAY0 + 3 * HOUR - 5000, DAY0 + 3 * HOUR + 60_000, 40);
    out[`rawPoints gap ${tag}`] = await reader.rawPoints(tag, DAY0 + 10 * HOUR - 2000, DAY0 + 10 * HOUR + 2000, 100);
  }
  out.export = await reader.exportRows(['d.level', 'd.flow', 'nope'], DAY0 + 6 * HOUR - 10_000, DAY0 + 6 * HOUR + 10_000);
  out.exportGap = await reader.exportRows(['d.flow'], DAY0 + 10 * HOUR - 1000, DAY0 + 10 * HOUR + 3000);
  out.exportNone = await reader.exportRows(['nope'], DAY0, DAY0 + HOUR);
  out.activations = await reader.alarmActivations(DAY0, DAY0 + 12 * HOUR);
  out.activationsNone = await reader.alarmActivations(DAY0 - HOUR, DAY0);
  return out;
}

const alarms = [
  journal(1, DAY0 + HOUR, 'l1.t1.hi', 'raised'),
  journal(2, DAY0 + HOUR + 5000, 'l1.t1.hi', 'acknowledged'),
  journal(3, DAY0 + 2 * HOUR, 'l2.t2.hi', 'raised', true),
  journal(4, DAY0 + 2 * HOUR, 'l1.t3.hi', 'raised'),
  journal(5, DAY0 + 13 * HOUR, 'l1.t1.hi', 'raised'),
];
/** Each engine's answers, compared by the test that follows them (tests of a file run in order). */
const answers: Partial<Record<'sqlite' | 'postgres', Record<string, unknown>>> = {};
let day: ReturnType<typeof dayOfData> | undefined;

eachEngine('history reader', ({ name, open }) => {
  test('a day of 1 Hz data of two tags, written as the historian writes it, read back by every method', async () => {
    const store = await open();
    day ??= dayOfData();
    for (const b of day) await store.writeHistory(b.samples, b.rollups);
    await store.alarms.commit(alarms, []);
    const reader = await openHistoryReader(store.location);
    let out: Record<string, unknown>;
    try {
      out = await readEverything(reader);
    } finally {
      await reader.close();
    }
    answers[name] = out;
    // The answers themselves, in brief, so that the same nonsense on both engines would not pass.
    const raw = out['raw d.flow'] as { n: number; points: [number, number][] };
    assert.equal(raw.n, 86_400);
    assert.ok(Number.isNaN(raw.points[36_000]![1]));
    assert.equal(raw.points[36_300]![1], Math.round(Math.sin(36_300 / 900) * 1000) / 10);
    assert.equal((out['rollups 60000 d.flow'] as { n: number }).n, 1440);
    assert.equal((out['rollups 3600000 d.level'] as { n: number }).n, 24);
    assert.equal(out['newest 60000 d.flow'], DAY0 + 86_400_000 - M);
    assert.equal(out['newest 60000 nope'], undefined);
    assert.deepEqual((out['rawPoints gap d.flow'] as unknown[])[3], { ts: DAY0 + 10 * HOUR + 1000, value: null, quality: 'bad', reason: 'timeout' });
    assert.deepEqual(
      (out.activations as { activations: { alarm: string }[] }).activations.map((a) => a.alarm),
      ['l1.t1.hi', 'l2.t2.hi', 'l1.t3.hi'],
    );
    assert.deepEqual(out.activationsNone, { activations: [], lastSeq: 5 });
    assert.equal((out.export as unknown[]).length, 40);
  });
});

test('history reader: the same data gives the same answers on SQLite and PostgreSQL', () => {
  const { sqlite, postgres } = answers;
  assert.ok(sqlite && postgres, 'both engines answered (the tests above)');
  assert.deepEqual(Object.keys(postgres), Object.keys(sqlite));
  for (const key of Object.keys(sqlite)) assert.deepStrictEqual(postgres[key], sqlite[key], key);
});

eachEngine('history partitions', ({ name, open }) => {
  const skip = name !== 'postgres' && 'PostgreSQL only: SQLite keeps samples in one table';
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const todayNo = today / DAY_MS;

  /** The store, and a pool of the test's own on its database (for the partition functions). */
  async function openWithPool(): Promise<{ store: Store; pool: pg.Pool; done(): Promise<void> }> {
    const store = await open();
    const pool = new pg.Pool({ connectionString: (store.location as { url: string }).url, max: 2 });
    return { store, pool, done: () => pool.end() };
  }
  const placeOf = async (pool: pg.Pool, tag: string) =>
    (
      await pool.query<{ part: string; ts: string }>(
        'SELECT s.tableoid::regclass::text AS part, s.ts FROM samples s JOIN tags t ON t.id = s.tag_id WHERE t.name = $1 ORDER BY s.ts',
        [tag],
      )
    ).rows.map((r) => [r.part, Number(r.ts)]);

  test('a write creates its days and tomorrow; a surprising timestamp lands in the default partition', { skip }, async () => {
    const { store, pool, done } = await openWithPool();
    try {
      const surprising = Date.UTC(1990, 0, 1);
      await store.writeHistory([good('p.a', today - 3 * DAY_MS + 1, 1), good('p.a', today + 5, 2), good('p.a', surprising, 3)], []);
      const names = (await listSamplePartitions(pool)).map((p) => p.name);
      for (const d of [-3, 0, 1]) assert.ok(names.includes(partitionName(todayNo + d)), `day ${d}`);
      assert.deepEqual(await placeOf(pool, 'p.a'), [
        ['samples_default', surprising],
        [partitionName(todayNo - 3), today - 3 * DAY_MS + 1],
        [partitionName(todayNo), today + 5],
      ]);
      assert.deepEqual(
        (await store.samples.query('p.a', 0, today + DAY_MS, 10)).map((p) => p.value),
        [3, 1, 2],
      );
    } finally {
      await done();
    }
  });

  test('ensureSamplePartitions is idempotent, safe when racing, and moves stray rows out of the default partition', { skip }, async () => {
    const { pool, done } = await openWithPool();
    const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 2 });
    try {
      const far = today + 30 * DAY_MS; // beyond what a write creates ahead
      await writePostgresHistory(pool, [good('p.b', far + 10, 1)], []);
      assert.deepEqual(await placeOf(pool, 'p.b'), [['samples_default', far + 10]]);
      const created = await Promise.all([ensureSamplePartitions(pool, far, far + DAY_MS), ensureSamplePartitions(other, far, far + DAY_MS)]);
      assert.equal(created[0] + created[1], 2);
      assert.equal(await ensureSamplePartitions(other, far, far), 0);
      assert.deepEqual(await placeOf(pool, 'p.b'), [[partitionName(todayNo + 30), far + 10]]);
    } finally {
      await other.end();
      await done();
    }
  });

  test('behind a long read, partition DDL gives up after a lock timeout: the write still succeeds, into the default partition', { skip }, async () => {
    const { store, pool, done } = await openWithPool();
    const reader = await pool.connect();
    try {
      await store.writeHistory([good('p.d', today + 1000, 1)], []);
      // An export under way: its transaction holds a share lock on `samples` until it ends.
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM samples');
      const soon = today + 3 * DAY_MS; // a day no write made yet
      const started = Date.now();
      await store.writeHistory([good('p.d', soon, 2)], []);
      assert.ok(Date.now() - started < 10_000);
      assert.deepEqual((await placeOf(pool, 'p.d')).at(-1), ['samples_default', soon]);
      assert.equal(await dropSamplePartitionsBefore(pool, today + DAY_MS), 0, 'gave up, nothing dropped');
      await reader.query('COMMIT');
      // Once the read is over, making the day moves the sample into its partition.
      assert.equal(await ensureSamplePartitions(pool, soon, soon), 1);
      assert.deepEqual((await placeOf(pool, 'p.d')).at(-1), [partitionName(todayNo + 3), soon]);
    } finally {
      await reader.query('ROLLBACK').catch(() => {});
      reader.release();
      await done();
    }
  });

  test('dropSamplePartitionsBefore drops whole days older than the limit, and only those', { skip }, async () => {
    const { store, pool, done } = await openWithPool();
    try {
      const days = [-6, -5, -4, -3, -2, -1, 0].map((d) => today + d * DAY_MS);
      await store.writeHistory([...days.map((d, i) => good('p.c', d + 1000, i)), good('p.c', Date.UTC(1990, 0, 1), -1)], []);
      const limit = today - 4 * DAY_MS + HOUR; // inside day -4: that day stays
      assert.equal(await dropSamplePartitionsBefore(pool, limit), 2);
      assert.equal(await dropSamplePartitionsBefore(pool, limit), 0);
      // The default partition is never dropped: the 1990 sample waits for the row-wise prune.
      assert.deepEqual(
        (await store.samples.query('p.c', 0, today + DAY_MS, 100)).map((p) => p.value),
        [-1, 2, 3, 4, 5, 6],
      );
      // A late sample for a dropped day is still stored (its day is made again).
      await store.writeHistory([good('p.c', days[0]! + 2000, 9)], []);
      assert.deepEqual(
        (await store.samples.query('p.c', 0, days[1]!, 100)).map((p) => p.value),
        [-1, 9],
      );
      // Row-wise prune works across partitions, the default one included.
      assert.equal(await store.samples.prune('p.c', today, 100), 6);
    } finally {
      await done();
    }
  });
});
