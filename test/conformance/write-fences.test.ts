import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { Sample } from '../../lib/types.ts';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import { answeredWhenDurable } from '../../server/alarms/durable-actions.ts';
import { createJournalWriter } from '../../server/alarms/journal-writer.ts';
import { auditedBy } from '../../server/auth/audited.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { type JournalSpoolRecord, journalCodec } from '../../server/spool/spool-codecs.ts';
import { createSpool, type Spool } from '../../server/spool/spool.ts';
import type { AlarmRepository, Store, StoredAlarmState, WriteFence } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { eachEngine } from './engines.ts';

/**
 * Fencing of a line's current state (issue 19): a collector that lost a line's lease may
 * write the line's alarm states (and simulation choices) late — replayed from its spool when
 * the database returns, or off a slow network. The line's newer owner raised the line's fence
 * to its lease token when it took the line; writes under an older token are skipped, so they
 * never overwrite the newer owner's. Journal entries are history: appended whatever their fence.
 */

const press = 'line:press';
const fenced = (token: number): WriteFence => ({ resource: press, token });

const entry = (seq: number, fields: Partial<AlarmJournalEntry> = {}): AlarmJournalEntry => ({
  seq,
  ts: 1_000 + seq,
  alarm: 'press.temp.hi',
  line: 'press',
  tag: 'press.temp',
  kind: 'hi',
  label: 'Temperature',
  message: 'Temperature high',
  priority: 'high',
  transition: 'raised',
  state: 'unack-active',
  value: 150,
  limit: 100,
  user: null,
  comment: null,
  suppressed: false,
  ...fields,
});

const state = (id: string, seq: number, fields: Partial<StoredAlarmState> = {}): StoredAlarmState => ({
  id,
  active: true,
  acked: false,
  value: 150,
  quality: 'good',
  activeSince: 1_000,
  lastChange: 1_000,
  ack: null,
  shelved: null,
  outOfService: null,
  seq,
  ...fields,
});

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

eachEngine('write fences', (engine) => {
  test('a state written under an older lease token than the line fence is skipped; entries are appended anyway', async () => {
    const store = await engine.open();
    await store.alarms.commit([entry(1)], [{ state: state('press.temp.hi', 1), keep: true, fence: fenced(3) }]);
    assert.equal(await store.alarms.raiseFence(fenced(4)), true, 'a newer owner raises the fence');
    const older = state('press.temp.hi', 2, { acked: true, ack: { by: 'alice', at: 2_000, comment: null } });
    await store.alarms.commit([entry(2, { transition: 'acknowledged', user: 'alice' })], [{ state: older, keep: true, fence: fenced(3) }]);
    await store.alarms.commit([], [{ state: state('press.temp.hi', 1), keep: false, fence: fenced(3) }]);
    assert.deepEqual(await store.alarms.loadStates(), [state('press.temp.hi', 1)], 'neither overwritten nor deleted by the former owner');
    assert.deepEqual(
      (await store.alarms.journal({ limit: 10 })).map((e) => e.transition),
      ['acknowledged', 'raised'],
      'its journal entry is history: appended',
    );

    const newer = state('press.temp.hi', 3, { shelved: { by: 'bob', at: 3_000, until: 9_000, reason: 'repair' } });
    await store.alarms.commit([], [{ state: newer, keep: true, fence: fenced(4) }]);
    assert.deepEqual(await store.alarms.loadStates(), [newer], 'the fence holder writes');
    await store.alarms.commit([], [{ state: state('press.temp.hi', 4, { value: 1 }), keep: true }]);
    assert.equal((await store.alarms.loadStates())[0]!.value, 1, 'an unfenced write (role all) is never skipped');
  });

  test('fences are per line; one commit applies the current owner’s states and skips the former owner’s', async () => {
    const store = await engine.open();
    assert.equal(await store.alarms.raiseFence(fenced(5)), true);
    assert.equal(await store.alarms.raiseFence(fenced(5)), true, 'raising to the same token again is harmless');
    assert.equal(await store.alarms.raiseFence(fenced(4)), false, 'never lowered: an older token is refused');
    await store.alarms.commit(
      [],
      [
        { state: state('press.temp.hi', 1), keep: true, fence: fenced(4) },
        { state: state('oven.temp.hi', 2), keep: true, fence: { resource: 'line:oven', token: 1 } },
        { state: state('press.level.lo', 3), keep: true, fence: fenced(5) },
      ],
    );
    assert.deepEqual(
      (await store.alarms.loadStates()).map((s) => s.id),
      ['oven.temp.hi', 'press.level.lo'],
    );
    const other = await engine.openShared();
    assert.equal(await other.alarms.raiseFence({ resource: 'line:oven', token: 2 }), true, 'another process on the database raises a fence');
    await store.alarms.commit([], [{ state: state('oven.temp.hi', 4, { acked: true }), keep: true, fence: { resource: 'line:oven', token: 1 } }]);
    assert.equal((await other.alarms.loadStates()).find((s) => s.id === 'oven.temp.hi')?.acked, false, 'and the former owner is skipped from then on');
  });

  test('a simulation choice made under an older lease token is not kept', async () => {
    const store = await engine.open();
    const choice = { line: 'press', running: true, scenario: 'jam', by: 'alice', at: 1 } as const;
    assert.equal(await store.simulations.set(choice, fenced(1)), true);
    assert.equal(await store.alarms.raiseFence(fenced(2)), true);
    assert.equal(await store.simulations.set({ ...choice, running: false, at: 2 }, fenced(1)), false, 'the former owner: skipped');
    assert.deepEqual(await store.simulations.get('press'), choice);
    assert.equal(await store.simulations.set({ ...choice, scenario: 'normal', by: 'bob', at: 3 }, fenced(2)), true);
    assert.equal((await store.simulations.get('press'))?.by, 'bob');
    assert.equal(await store.simulations.set({ ...choice, at: 4 }), true, 'unfenced (role all): kept');
  });
});

// Real alarm engines, a real spool: owner A's journal writer spools while its database is cut off.
eachEngine('write fences, spool replay', (engine) => {
  test('a former owner’s spooled acknowledgement, replayed after the new owner shelved the alarm, leaves the shelving in place', async () => {
    const store = await engine.open();
    const dir = await mkdtemp(join(tmpdir(), 'lw-fenced-replay-'));
    dirs.push(dir);
    // Owner A (lease token 1) reaches the database through `cutOff`, which the test cuts.
    const away = { now: false };
    const cutOff = (repo: AlarmRepository): AlarmRepository => ({
      ...repo,
      commit: (entries, states) => (away.now ? Promise.reject(new Error('connection refused')) : repo.commit(entries, states)),
    });
    const spool = createSpool({ dir: join(dir, 'spool'), kind: 'journal', codec: journalCodec });
    await spool.open();
    const ownerA = owner(store, { alarms: cutOff(store.alarms), token: 1, spool });
    await ownerA.start();
    ownerA.feed(150);
    await ownerA.journal.written();
    assert.equal((await store.alarms.loadStates())[0]?.acked, false, 'raised, committed');

    // A is cut off; an operator acknowledges on it: answered once spooled.
    away.now = true;
    const acked = await ownerA.service.acknowledge(['press.temp.hi'], 'seen on A', { username: 'alice', ip: '10.0.0.1' });
    assert.equal(acked.acknowledged[0]!.state, 'ack-active');
    assert.ok(spool.stats().rows >= 1, 'the acknowledgement is in the spool');
    await ownerA.stop();

    // B takes the line (lease token 2): it continues the raised alarm, and shelves it.
    const ownerB = owner(store, { alarms: store.alarms, token: 2 });
    await ownerB.start();
    const shelved = await ownerB.service.shelve('press.temp.hi', 60_000, 'sensor repair', { username: 'bob', ip: '10.0.0.2' });
    assert.equal(shelved.shelved?.by, 'bob');
    await ownerB.journal.written();
    const newer = await store.alarms.loadStates();
    assert.equal(newer[0]?.shelved?.by, 'bob');

    // The database returns; A replays its spool.
    away.now = false;
    const replay = createJournalWriter({ store: store.alarms, log: captureLog().log, spool });
    await replay.start();
    await replay.written();
    assert.equal(spool.stats().rows, 0, 'the spool is written out');
    const kept = await store.alarms.loadStates();
    assert.deepEqual(kept, newer, 'the newer owner’s state survives');
    assert.equal(kept[0]?.ack, null, 'no acknowledgement by alice in it');
    assert.deepEqual(
      (await store.alarms.journal({ alarm: 'press.temp.hi', limit: 10 })).map((e) => [e.transition, e.user]),
      [
        ['shelved', 'bob'],
        ['acknowledged', 'alice'],
        ['raised', null],
      ],
      'the acknowledgement happened: it is in the journal',
    );
    await replay.stop();
    await ownerB.stop();
    await spool.close();
  });
});

const plant = parsePlant({
  name: 'fenced',
  lines: [
    {
      id: 'press',
      name: 'Press',
      connections: [
        {
          id: 'press-plc',
          protocol: 'tcp',
          port: 502,
          tags: [{ name: 'temp', area: 'holding', address: 0, type: 'uint16', alarms: { hi: { limit: 100, priority: 'high' } } }],
        },
      ],
    },
  ],
});

/** A line owner's alarm engine as a collector runs it: its own journal writer (with `spool`), its states fenced by `token`. */
function owner(store: Store, o: { alarms: AlarmRepository; token: number; spool?: Spool<JournalSpoolRecord> }) {
  const { log } = captureLog();
  // Stops soon: what the database cannot take goes to the spool (A's is there already).
  const journal = createJournalWriter({ store: o.alarms, log, stopWaitMs: 100, ...(o.spool && { spool: o.spool }) });
  const audited = auditedBy(() => {});
  const engine = createAlarmEngine({ plant, store: o.alarms, journal, audited, log, publish: () => {}, fence: fenced(o.token) });
  return {
    journal,
    service: answeredWhenDurable(engine.service, { journal, audited }),
    start: () => engine.start(),
    feed(value: number): void {
      const sample: Sample = { tag: 'press.temp', ts: Date.now(), value, quality: 'good' };
      engine.onSamples([sample]);
    },
    async stop(): Promise<void> {
      await engine.stop();
      await journal.stop();
    },
  };
}
