import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { AlarmJournalQuery, Store, StoredAlarmState } from '../../server/storage/store.ts';
import { eachEngine } from './engines.ts';

const entry = (seq: number, fields: Partial<AlarmJournalEntry> = {}): AlarmJournalEntry => ({
  seq,
  ts: 1_000 + seq,
  alarm: 'filling.level.hi',
  line: 'filling',
  tag: 'filling.level',
  kind: 'hi',
  label: 'Tank level',
  message: 'Tank level high',
  priority: 'high',
  transition: 'raised',
  state: 'unack-active',
  value: 91.25,
  limit: 90,
  user: null,
  comment: null,
  suppressed: false,
  ...fields,
});

const quiet = (id: string, seq: number): StoredAlarmState => ({
  id,
  active: false,
  acked: true,
  value: null,
  quality: null,
  activeSince: null,
  lastChange: null,
  ack: null,
  shelved: null,
  outOfService: null,
  seq,
});

/** A state with every optional part filled. */
const busy = (id: string, seq: number): StoredAlarmState => ({
  id,
  active: true,
  acked: false,
  value: 93.5,
  quality: 'good',
  activeSince: 5_000,
  lastChange: 6_000,
  ack: { by: 'olga', at: 6_000, comment: null },
  shelved: { by: 'ivan', at: 6_500, until: 9_000, reason: 'sensor swap' },
  outOfService: { by: 'olga', at: 7_000, reason: '' },
  seq,
});

const keep = (state: StoredAlarmState) => ({ state, keep: true });
const drop = (state: StoredAlarmState) => ({ state, keep: false });

eachEngine('alarm state', ({ open }) => {
  test('empty at first: no states, no journal, lastSeq 0', async () => {
    const store = await open();
    assert.deepEqual(await store.alarms.loadStates(), []);
    assert.deepEqual(await store.alarms.journal({ limit: 10 }), []);
    assert.equal(await store.alarms.lastSeq(), 0);
  });

  test('commit saves kept states (every field back, by id) and deletes the others', async () => {
    const store = await open();
    const b = busy('b.hi', 2);
    const a = { ...quiet('a.lo', 1), active: true, acked: false, ack: { by: 'olga', at: 10, comment: 'seen' } };
    await store.alarms.commit([entry(1), entry(2)], [keep(b), keep(a)]);
    assert.deepEqual(await store.alarms.loadStates(), [a, b]);
    assert.equal(await store.alarms.lastSeq(), 2);

    const b2 = { ...b, shelved: null, acked: true, seq: 3 };
    await store.alarms.commit([entry(3, { transition: 'unshelved' })], [keep(b2), drop(a)]);
    assert.deepEqual(await store.alarms.loadStates(), [b2], 'replaced in place; a deleted');
    await store.alarms.commit([], [drop(quiet('never.stored', 0))]);
    await store.alarms.commit([], [drop(b2)]);
    assert.deepEqual(await store.alarms.loadStates(), []);
    assert.equal(await store.alarms.lastSeq(), 3, 'the journal stays');
  });

  test('one alarm twice in a commit: the later change decides', async () => {
    const store = await open();
    await store.alarms.commit([], [keep(quiet('x', 1)), keep(busy('x', 2))]);
    assert.deepEqual(await store.alarms.loadStates(), [busy('x', 2)]);
    await store.alarms.commit([], [keep(quiet('x', 3)), drop(quiet('x', 3))]);
    assert.deepEqual(await store.alarms.loadStates(), []);
    await store.alarms.commit([], [drop(quiet('x', 4)), keep(quiet('x', 4))]);
    assert.deepEqual(await store.alarms.loadStates(), [quiet('x', 4)]);
  });

  test('a commit that fails writes nothing: neither entries nor states', async () => {
    const store = await open();
    await store.alarms.commit([entry(1)], [keep(quiet('a', 1))]);
    // An entry without its alarm id breaks a NOT NULL column: the whole commit is refused.
    const broken = { ...entry(3), alarm: null as unknown as string };
    await assert.rejects(store.alarms.commit([entry(2), broken], [keep(busy('b', 2)), drop(quiet('a', 2))]));
    assert.deepEqual(
      (await store.alarms.journal({ limit: 10 })).map((e) => e.seq),
      [1],
    );
    assert.deepEqual(await store.alarms.loadStates(), [quiet('a', 1)]);
    assert.equal(await store.alarms.lastSeq(), 1);
    await store.alarms.commit([entry(2)], [keep(busy('b', 2))]);
    assert.equal(await store.alarms.lastSeq(), 2, 'and the retry passes');
  });

  test('a retry of a commit that was written (its answer lost) writes each entry once and passes', async () => {
    const store = await open();
    await store.alarms.commit([entry(1), entry(2)], [keep(busy('a', 2))]);
    await store.alarms.commit([entry(1), entry(2), entry(3)], [keep(busy('a', 3))]);
    assert.deepEqual(
      (await store.alarms.journal({ limit: 10 })).map((e) => e.seq),
      [3, 2, 1],
    );
    assert.deepEqual(await store.alarms.loadStates(), [busy('a', 3)]);
  });

  test('lastSeq is the largest seq written, whatever the order of writing', async () => {
    const store = await open();
    await store.alarms.commit([entry(7), entry(5)], []);
    await store.alarms.commit([entry(6)], []);
    assert.equal(await store.alarms.lastSeq(), 7);
  });

  test('a flood: a thousand entries and states in one commit', async () => {
    const store = await open();
    const entries = Array.from({ length: 1000 }, (_, i) => entry(i + 1, { alarm: `line.tag${i}.hi` }));
    const states = entries.map((e) => keep({ ...busy(e.alarm, e.seq) }));
    await store.alarms.commit(entries, states);
    assert.equal((await store.alarms.loadStates()).length, 1000);
    assert.equal((await store.alarms.journal({ limit: 2000 })).length, 1000);
    assert.equal(await store.alarms.lastSeq(), 1000);
  });
});

eachEngine('alarm journal', ({ open }) => {
  /** A small journal over two lines, with the traps of a substring search in its ids and labels. */
  async function journalStore(): Promise<Store> {
    const store = await open();
    await store.alarms.commit(
      [
        entry(1),
        entry(2, { transition: 'acknowledged', state: 'ack-active', user: 'Olga', comment: 'on it' }),
        entry(3, { alarm: 'filling.temp_1.hihi', tag: 'filling.temp_1', kind: 'hihi', label: 'Temp 100% zone', priority: 'critical', value: 120 }),
        entry(4, { alarm: 'extrusion.plc1.comm', line: 'extrusion', tag: null, kind: 'comm', label: 'PLC 1', priority: 'medium', value: 1, limit: null }),
        entry(5, { alarm: 'filling.tempX1.hi', tag: 'filling.tempX1', label: 'TempX', suppressed: true }),
        entry(6, { transition: 'cleared', state: 'normal', value: 80.5 }),
        entry(7, {
          alarm: 'extrusion.plc1.comm',
          line: 'extrusion',
          tag: null,
          kind: 'comm',
          label: 'PLC 1',
          transition: 'shelved',
          state: 'shelved',
          user: 'ivan',
          comment: 'maintenance',
        }),
      ],
      [],
    );
    return store;
  }

  const seqs = async (store: Store, q: Partial<AlarmJournalQuery>) => (await store.alarms.journal({ limit: 100, ...q })).map((e) => e.seq);

  test('every field back, newest first', async () => {
    const store = await journalStore();
    const rows = await store.alarms.journal({ limit: 100 });
    assert.deepEqual(
      rows.map((e) => e.seq),
      [7, 6, 5, 4, 3, 2, 1],
    );
    assert.deepEqual(
      rows.find((e) => e.seq === 2),
      entry(2, { transition: 'acknowledged', state: 'ack-active', user: 'Olga', comment: 'on it' }),
    );
    assert.deepEqual(rows.find((e) => e.seq === 4)?.tag, null);
    assert.equal(rows.find((e) => e.seq === 5)?.suppressed, true);
  });

  test('filters: line, exact alarm, priority, transition, user (any case), from/to (inclusive), limit', async () => {
    const store = await journalStore();
    assert.deepEqual(await seqs(store, { line: 'extrusion' }), [7, 4]);
    assert.deepEqual(await seqs(store, { alarm: 'filling.level.hi' }), [6, 2, 1]);
    assert.deepEqual(await seqs(store, { alarm: 'filling.level' }), [], 'exact, not a prefix');
    assert.deepEqual(await seqs(store, { priority: 'critical' }), [3]);
    assert.deepEqual(await seqs(store, { transition: 'raised' }), [5, 4, 3, 1]);
    assert.deepEqual(await seqs(store, { user: 'olga' }), [2]);
    assert.deepEqual(await seqs(store, { user: 'IVAN' }), [7]);
    assert.deepEqual(await seqs(store, { from: 1_003, to: 1_005 }), [5, 4, 3]);
    assert.deepEqual(await seqs(store, { line: 'filling', transition: 'raised', priority: 'high' }), [5, 1]);
    assert.deepEqual(await seqs(store, { limit: 2 }), [7, 6]);
  });

  test('tag: a substring of the alarm id or the label, any case, % and _ taken literally', async () => {
    const store = await journalStore();
    assert.deepEqual(await seqs(store, { tag: 'LEVEL' }), [6, 2, 1], 'in the id');
    assert.deepEqual(await seqs(store, { tag: 'plc 1' }), [7, 4], 'in the label');
    assert.deepEqual(await seqs(store, { tag: 'temp' }), [5, 3]);
    assert.deepEqual(await seqs(store, { tag: 'temp_1' }), [3], '_ is no wildcard');
    assert.deepEqual(await seqs(store, { tag: '100%' }), [3], '% is no wildcard');
    assert.deepEqual(await seqs(store, { tag: '%' }), [3]);
    assert.deepEqual(await seqs(store, { tag: '\\' }), [], 'nor is the escape character');
    assert.deepEqual(await seqs(store, { tag: 'nothing' }), []);
  });

  test('paging with before: every entry once, newest first', async () => {
    const store = await journalStore();
    const pages: number[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = await store.alarms.journal({ limit: 3, before });
      if (page.length === 0) break;
      pages.push(page.map((e) => e.seq));
      before = page.at(-1)!.seq;
    }
    assert.deepEqual(pages, [[7, 6, 5], [4, 3, 2], [1]]);
    assert.deepEqual(await seqs(store, { before: 5, line: 'filling' }), [3, 2, 1]);
  });

  test('activations: raised entries with from ≤ ts < to, oldest first', async () => {
    const store = await journalStore();
    assert.deepEqual(await store.alarms.activations(1_000, 1_100), [
      { ts: 1_001, alarm: 'filling.level.hi', message: 'Tank level high', line: 'filling', priority: 'high', suppressed: false },
      { ts: 1_003, alarm: 'filling.temp_1.hihi', message: 'Tank level high', line: 'filling', priority: 'critical', suppressed: false },
      { ts: 1_004, alarm: 'extrusion.plc1.comm', message: 'Tank level high', line: 'extrusion', priority: 'medium', suppressed: false },
      { ts: 1_005, alarm: 'filling.tempX1.hi', message: 'Tank level high', line: 'filling', priority: 'high', suppressed: true },
    ]);
    assert.deepEqual(
      (await store.alarms.activations(1_003, 1_005)).map((a) => a.ts),
      [1_003, 1_004],
    );
    assert.deepEqual(await store.alarms.activations(2_000, 3_000), []);
  });
});

eachEngine('alarm journal seqs', ({ open, openShared }) => {
  test('reserved blocks never overlap, across processes, and start above every seq written', async () => {
    const store = await open();
    await store.alarms.commit([entry(1), entry(2)], []);
    const other = await openShared();
    const firsts = await Promise.all([store.alarms.reserveSeqs(100), other.alarms.reserveSeqs(100), store.alarms.reserveSeqs(50), other.alarms.reserveSeqs(1)]);
    const blocks = firsts.map((first, i) => [first, first + [100, 100, 50, 1][i]!] as const).sort((a, b) => a[0] - b[0]);
    assert.ok(blocks[0]![0] > 2, `the first block starts above the journal: ${blocks[0]![0]}`);
    for (let i = 1; i < blocks.length; i++) assert.ok(blocks[i]![0] >= blocks[i - 1]![1], `blocks overlap: ${JSON.stringify(blocks)}`);
  });
});
