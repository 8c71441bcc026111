import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { Quality, Sample } from '../../lib/types.ts';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import type { Audited } from '../../server/auth/audited.ts';
import { AlarmStateError, type NotFoundError } from '../../lib/errors.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { type AlarmRepository, type Store, StoreBusyError } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

const plant = parsePlant({
  name: 'p',
  lines: [
    {
      id: 'l1',
      name: 'L1',
      connections: [
        {
          id: 'plc1',
          protocol: 'tcp',
          port: 502,
          commLoss: { delayMs: 60 },
          tags: [
            {
              name: 'temp',
              area: 'holding',
              address: 0,
              type: 'float32',
              alarms: { hi: { limit: 100, priority: 'high' }, hihi: { limit: 120, priority: 'critical' }, deadband: 2 },
            },
            { name: 'slow', area: 'holding', address: 2, type: 'float32', alarms: { lo: { limit: 10 }, onDelayMs: 60 } },
            { name: 'fault', area: 'coil', address: 0, type: 'bool', alarms: { on: true, priority: 'high' } },
          ],
        },
      ],
    },
  ],
});

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function newStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-alarm-engine-'));
  dirs.push(dir);
  return createSqliteStore(join(dir, 'linewatch.db'));
}

/** The database file of a SQLite store (to open another connection on it). */
function fileOf(store: Store): string {
  assert.equal(store.location.engine, 'sqlite');
  return (store.location as { file: string }).file;
}

/** Lets pending promise callbacks run (a commit settling, the engine reacting to it): setImmediate is not mocked. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances mocked timers ms by ms, letting promises settle in between (a retry is armed only once the commit before it settled). */
async function advance(t: { mock: { timers: { tick(ms: number): void } } }, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    t.mock.timers.tick(1);
    await settle();
  }
}

/** Where the timer tests' mocked clock starts (epoch ms). */
const T0 = 1_767_600_000_000;

/**
 * An engine on `store`. Its clock reads `Date.now()` on every call, so a test that mocks the
 * timers and Date (`t.mock.timers`) drives delays and shelving to the ms, without sleeping.
 */
function harness(store: Store, alarms: AlarmRepository = store.alarms, now: () => number = () => Date.now()) {
  const published: AlarmEventPayload[] = [];
  const audit: string[] = [];
  const captured = captureLog();
  const logs = captured.lines;
  const audited: Audited = (actor, action, target, run, detail) => {
    try {
      const out = run();
      audit.push(`${actor.username} ${action} ${target} ok${detail ? ` (${detail})` : ''}`);
      return out;
    } catch (error) {
      audit.push(`${actor.username} ${action} ${target} failed`);
      throw error;
    }
  };
  const engine = createAlarmEngine({ plant, store: alarms, publish: (p) => published.push(p), audited, log: captured.log, now });
  return { engine, published, audit, logs };
}

const sample = (tag: string, value: number | null, quality: Quality = 'good'): Sample => ({ tag: `l1.${tag}`, ts: Date.now(), value, quality });
const transitions = (published: AlarmEventPayload[]) => published.map((p) => `${p.entry.alarm} ${p.entry.transition}`);
const ann = { username: 'ann', ip: '10.0.0.7' };

test('samples reach their alarms; each transition is journaled, then published with the alarm after it', async () => {
  const store = await newStore();
  const { engine, published } = harness(store);
  await engine.start();
  engine.onSamples([sample('temp', 50), sample('fault', 0)]);
  assert.equal(published.length, 0);
  engine.onSamples([sample('temp', 125), sample('fault', 1)]);
  assert.deepEqual(
    published.map((p) => `${p.entry.alarm} ${p.entry.transition} ${p.alarm.state}`),
    ['l1.temp.hihi raised unack-active', 'l1.temp.hi raised unack-active', 'l1.fault.discrete raised unack-active'],
  );
  const p = published[0]!;
  assert.equal(p.line, 'l1');
  assert.ok(p.entry.seq > 0 && p.alarm.seq === p.entry.seq);
  assert.equal(p.alarm.value, 125);
  assert.equal(p.alarm.limit, 120);
  assert.deepEqual(
    engine.active().map((a) => a.id),
    ['l1.temp.hihi', 'l1.fault.discrete', 'l1.temp.hi'],
    'critical first, then by time (same time: by id)',
  );
  const journal = await engine.service.journal({ limit: 10 });
  assert.deepEqual(
    journal.entries.map((e) => e.alarm),
    ['l1.fault.discrete', 'l1.temp.hi', 'l1.temp.hihi'],
    'newest first',
  );
  await engine.stop();
  await store.close();
});

test('actions: ack one or many (skipping ones acknowledged meanwhile), shelve, out of service; each audited', async () => {
  const store = await newStore();
  const { engine, published, audit } = harness(store);
  await engine.start();
  engine.onSamples([sample('temp', 125), sample('fault', 1)]);
  const svc = engine.service;

  const one = svc.acknowledge(['l1.fault.discrete'], 'reset the drive', ann);
  assert.equal(one.acknowledged[0]!.state, 'ack-active');
  assert.deepEqual(one.acknowledged[0]!.ack?.comment, 'reset the drive');
  assert.throws(() => svc.acknowledge(['l1.fault.discrete'], undefined, ann), AlarmStateError, 'again: 409');
  assert.throws(
    () => svc.acknowledge(['l1.temp.hi', 'l1.nope.hi'], undefined, ann),
    (e: NotFoundError) => e.field === 'ids[1]',
  );

  const many = svc.acknowledge(['l1.temp.hi', 'l1.temp.hihi', 'l1.fault.discrete'], 'all visible', ann);
  assert.deepEqual(
    many.acknowledged.map((a) => a.id),
    ['l1.temp.hi', 'l1.temp.hihi'],
  );
  assert.deepEqual(
    many.skipped.map((s) => s.id),
    ['l1.fault.discrete'],
  );
  assert.throws(() => svc.acknowledge(['l1.temp.hi', 'l1.temp.hihi'], undefined, ann), /none of the 2 alarms needed acknowledging/);

  const shelved = svc.shelve('l1.fault.discrete', 30 * 60_000, 'drive under repair', ann);
  assert.equal(shelved.state, 'shelved');
  assert.equal(svc.unshelve('l1.fault.discrete', 'repaired', ann).state, 'unack-active', 'still active: annunciated again');
  assert.equal(svc.removeFromService('l1.temp.hi', 'probe replaced', ann).state, 'out-of-service');
  assert.equal(svc.returnToService('l1.temp.hi', undefined, ann).state, 'unack-active');
  assert.throws(() => svc.shelve('l1.temp.hi', 9 * 3600_000, 'long', ann), /at most 480 min/);

  assert.deepEqual(audit, [
    'ann alarm.ack l1.fault.discrete ok (reset the drive)',
    'ann alarm.ack l1.fault.discrete failed',
    'ann alarm.ack l1.temp.hi ok (all visible)',
    'ann alarm.ack l1.temp.hihi ok (all visible)',
    'ann alarm.ack l1.fault.discrete failed',
    'ann alarm.ack l1.temp.hi failed',
    'ann alarm.ack l1.temp.hihi failed',
    'ann alarm.shelve l1.fault.discrete ok (30 min: drive under repair)',
    'ann alarm.unshelve l1.fault.discrete ok (repaired)',
    'ann alarm.out-of-service l1.temp.hi ok (probe replaced)',
    'ann alarm.return-to-service l1.temp.hi ok',
    'ann alarm.shelve l1.temp.hi failed',
  ]);
  const byUser = (await svc.journal({ user: 'ANN', limit: 100 })).entries;
  assert.equal(byUser.length, 7, 'journal filter by user (case-insensitive)');
  assert.ok(
    published.every((p, i) => i === 0 || p.entry.seq > published[i - 1]!.entry.seq),
    'published in seq order',
  );
  await engine.stop();
  await store.close();
});

test('delays and shelving expiry complete on the timer, without a new sample, at their deadline', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const { engine, published } = harness(store);
  await engine.start();
  engine.onSamples([sample('slow', 5)]);
  t.mock.timers.tick(59);
  assert.equal(published.length, 0, 'on-delay (60 ms) pending');
  t.mock.timers.tick(1);
  assert.deepEqual(transitions(published), ['l1.slow.lo raised']);
  assert.equal(published[0]!.entry.ts, T0 + 60);
  engine.onSamples([sample('fault', 1)]);
  engine.service.shelve('l1.fault.discrete', 50, 'brief', ann);
  t.mock.timers.tick(49);
  assert.equal(published.at(-1)!.entry.transition, 'shelved', 'shelved for 50 ms');
  t.mock.timers.tick(1);
  assert.deepEqual(
    published.slice(-2).map((p) => `${p.entry.transition} ${p.entry.state} ${p.entry.user} ${p.entry.comment}`),
    ['shelved shelved ann brief', 'unshelved unack-active null shelving expired'],
  );
  assert.equal(published.at(-1)!.entry.ts, T0 + 110);
  await engine.stop();
  await store.close();
});

test('a timer that fires before the clock reaches its deadline is armed again: the delay and the shelving still end', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  // Node's timers fire early by Date.now() here (TOOLCHAIN.md: 67 of 300 ran before their
  // deadline). A clock that falls 2 ms behind the timers between arming and firing plays that:
  // the timer fires, the engine finds nothing due, and only a timer armed again ends the wait.
  let lagMs = 0;
  const { engine, published } = harness(store, store.alarms, () => Date.now() - lagMs);
  await engine.start();
  engine.onSamples([sample('slow', 5)]);
  lagMs = 2;
  t.mock.timers.tick(60);
  assert.equal(published.length, 0, 'the timer fired 2 ms early by the clock: not due yet');
  t.mock.timers.tick(2);
  assert.deepEqual(transitions(published), ['l1.slow.lo raised'], 'the on-delay ended on the timer armed again');

  lagMs = 0;
  engine.onSamples([sample('fault', 1)]);
  engine.service.shelve('l1.fault.discrete', 50, 'brief', ann);
  lagMs = 2;
  t.mock.timers.tick(50);
  assert.equal(published.at(-1)!.entry.transition, 'shelved', 'fired early: still shelved');
  t.mock.timers.tick(2);
  assert.deepEqual(transitions(published).slice(-1), ['l1.fault.discrete unshelved'], 'the shelving ended on the timer armed again');
  await engine.stop();
  await store.close();
});

test('comm loss: raised when no tag of the connection is good for its delay, cleared by a good read', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const { engine, published } = harness(store);
  await engine.start();
  engine.onSamples([sample('temp', 50), sample('slow', 50), sample('fault', 0)]);
  engine.onSamples([sample('temp', 50, 'bad'), sample('slow', 50, 'bad')]);
  // Any timer armed for a delay runs within this tick: none may raise anything.
  t.mock.timers.tick(1000);
  assert.equal(published.length, 0, 'one tag still good: no comm loss');
  engine.onSamples([sample('fault', 0, 'stale')]);
  t.mock.timers.tick(59);
  assert.equal(published.length, 0, 'comm-loss delay (60 ms) pending');
  t.mock.timers.tick(1);
  assert.deepEqual(
    published.map((p) => `${p.entry.alarm} ${p.entry.transition} ${p.alarm.value}`),
    ['l1.plc1.comm raised 1'],
  );
  assert.equal(published[0]!.alarm.tag, null);
  engine.onSamples([sample('slow', 50)]);
  assert.deepEqual(
    published.map((p) => `${p.entry.transition} ${p.entry.state}`),
    ['raised unack-active', 'cleared rtn-unack'],
  );
  await engine.stop();
  await store.close();
});

test('exception replies are no comm loss: the PLC answers, its tags are bad for another reason', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const { engine, published } = harness(store);
  await engine.start();
  const exception = (name: string) => ({ ...sample(name, 0, 'bad'), value: null, reason: 'exception 02 (illegal data address)' });
  engine.onSamples([exception('temp'), exception('slow'), exception('fault')]);
  t.mock.timers.tick(1000);
  assert.equal(published.length, 0, 'no comm-loss alarm');
  engine.onSamples([sample('temp', 50, 'bad'), sample('slow', 50, 'bad'), sample('fault', 0, 'bad')]);
  t.mock.timers.tick(60);
  assert.deepEqual(
    published.map((p) => `${p.entry.alarm} ${p.entry.transition}`),
    ['l1.plc1.comm raised'],
    'a timeout on every tag still is',
  );
  await engine.stop();
  await store.close();
});

test('a restart restores active, unacknowledged, shelved and out-of-service alarms', async () => {
  const store = await newStore();
  const first = harness(store);
  await first.engine.start();
  first.engine.onSamples([sample('temp', 125), sample('fault', 1)]);
  first.engine.onSamples([sample('fault', 0)]);
  first.engine.service.acknowledge(['l1.temp.hihi'], 'seen', ann);
  first.engine.service.shelve('l1.temp.hi', 3600_000, 'known', ann);
  await first.engine.stop();
  const before = first.engine.active();

  const second = harness(store);
  await second.engine.start();
  assert.deepEqual(second.engine.active(), before, 'same states, same order');
  assert.deepEqual(before.map((a) => `${a.id} ${a.state}`).sort(), ['l1.fault.discrete rtn-unack', 'l1.temp.hi shelved', 'l1.temp.hihi ack-active']);
  assert.ok(
    second.logs.some((l) => /restored alarm states \{"restored":3,"unacknowledged":1\}/.test(l)),
    second.logs.join('\n'),
  );
  // The restored alarm clears on the next sample, and the journal continues.
  second.engine.onSamples([sample('temp', 90)]);
  assert.deepEqual(
    second.published.map((p) => `${p.entry.alarm} ${p.entry.transition} ${p.entry.state}`),
    ['l1.temp.hihi cleared normal', 'l1.temp.hi cleared shelved'],
  );
  assert.ok(second.published[0]!.entry.seq > Math.max(...before.map((a) => a.seq)));
  assert.deepEqual(
    second.engine
      .active()
      .map((a) => a.id)
      .sort(),
    ['l1.fault.discrete', 'l1.temp.hi'],
    'quiet alarms are gone from the state table',
  );
  await second.engine.stop();
  await store.close();
});

test('a shelving that ended while the server was down ends at start; the alarm is annunciated again', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const first = harness(store);
  await first.engine.start();
  first.engine.onSamples([sample('fault', 1)]);
  first.engine.service.shelve('l1.fault.discrete', 40, 'short', ann);
  await first.engine.stop();
  t.mock.timers.tick(80);
  const second = harness(store);
  await second.engine.start();
  // Past its deadline already: the timer armed at start runs on the next ms.
  t.mock.timers.tick(1);
  assert.deepEqual(
    second.published.map((p) => `${p.entry.transition} ${p.entry.state} ${p.entry.comment}`),
    ['unshelved unack-active shelving expired'],
  );
  await second.engine.stop();
  await store.close();
});

test('when the database fails the alarm is still published, and the journal written once it is back', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  let failing = true;
  const flaky: AlarmRepository = {
    ...store.alarms,
    commit: async (entries, states) => {
      if (failing) throw new Error('disk I/O error');
      return store.alarms.commit(entries, states);
    },
  };
  const { engine, published, logs } = harness(store, flaky);
  await engine.start();
  engine.onSamples([sample('fault', 1)]);
  assert.equal(published.length, 1, 'published anyway');
  await settle();
  assert.ok(
    logs.some((l) => /writing the alarm journal failed, will retry .*disk I\/O error/.test(l)),
    logs.join('\n'),
  );
  failing = false;
  engine.onSamples([sample('fault', 0)]);
  await settle();
  assert.equal((await store.alarms.journal({ limit: 10 })).length, 0, 'queued behind the pending retry, in order');
  await advance(t, 100);
  assert.deepEqual(
    (await store.alarms.journal({ limit: 10 })).map((e) => `${e.seq} ${e.transition}`),
    ['2 cleared', '1 raised'],
    'written in order, with the seqs that were published',
  );
  assert.deepEqual(
    published.map((p) => p.entry.seq),
    [1, 2],
  );
  assert.ok(logs.some((l) => /written again/.test(l)));
  await engine.stop();
  await store.close();
});

/** The alarm repository of `store`, recording each commit the engine tries and how it ended. */
function recordingCommits(store: Store) {
  const commits: ('written' | 'busy' | 'failed')[] = [];
  const alarms: AlarmRepository = {
    ...store.alarms,
    commit: async (entries, states) => {
      try {
        await store.alarms.commit(entries, states);
        commits.push('written');
      } catch (error) {
        commits.push(error instanceof StoreBusyError ? 'busy' : 'failed');
        throw error;
      }
    },
  };
  return { alarms, commits };
}

test('a busy database never holds the engine up: published at once, readable through the engine, retried until written', async (t) => {
  const store = await newStore();
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  // How long the calls take while the lock is held is a figure of bench:write-lock, not
  // something to assert here.
  const { alarms, commits } = recordingCommits(store);
  const { engine, published, logs } = harness(store, alarms);
  await engine.start();
  const Database = (await import('better-sqlite3')).default;
  const other = new Database(fileOf(store));
  other.prepare('BEGIN IMMEDIATE').run(); // what the historian's writer thread does for each batch
  try {
    engine.onSamples([sample('temp', 125)]);
    const ack = engine.service.acknowledge(['l1.temp.hi'], 'while the historian writes', ann);
    assert.equal(ack.acknowledged[0]!.state, 'ack-active');
    assert.equal(published.length, 3);
    await settle();
    assert.equal((await store.alarms.journal({ limit: 10 })).length, 0, 'nothing written yet');
    assert.deepEqual(
      (await engine.service.journal({ limit: 10 })).entries.map((e) => `${e.alarm} ${e.transition}`),
      ['l1.temp.hi acknowledged', 'l1.temp.hi raised', 'l1.temp.hihi raised'],
      'the engine answers with what is queued',
    );
    assert.equal((await engine.service.journal({ transition: 'raised', limit: 1 })).entries[0]!.alarm, 'l1.temp.hi');
    assert.equal((await engine.service.kpis(Date.now() - 60_000, Date.now() + 1)).annunciated, 2);
    // Retries while the lock is still held (5, 10, 20, 40 ms apart).
    await advance(t, 100);
    assert.ok(commits.length >= 4, `retried (${commits.length} commits)`);
    assert.deepEqual(
      commits.filter((c) => c !== 'busy'),
      [],
      'every commit while the lock was held found the database busy, and wrote nothing',
    );
    assert.equal((await store.alarms.journal({ limit: 10 })).length, 0, 'still nothing written');
  } finally {
    other.prepare('COMMIT').run();
    other.close();
  }
  // The next retry, at most the busy backoff's cap (500 ms) later.
  await advance(t, 500);
  assert.deepEqual(
    (await store.alarms.journal({ limit: 10 })).map((e) => e.seq),
    [3, 2, 1],
    'written once the lock was free',
  );
  assert.equal(commits.at(-1), 'written');
  assert.equal(commits.filter((c) => c === 'written').length, 1, 'in one commit, the queue in order');
  assert.ok(!logs.some((l) => /failed/.test(l)), `a busy database is no failure:\n${logs.join('\n')}`);
  await engine.stop();
  await store.close();
});

test('stop writes what is still queued, waiting out a busy database', async () => {
  const store = await newStore();
  const { alarms, commits } = recordingCommits(store);
  const { engine, published } = harness(store, alarms);
  await engine.start();
  const Database = (await import('better-sqlite3')).default;
  const other = new Database(fileOf(store));
  other.prepare('BEGIN IMMEDIATE').run();
  let stopping: Promise<void> | undefined;
  try {
    engine.onSamples([sample('temp', 125), sample('fault', 1)]);
    engine.service.acknowledge(['l1.fault.discrete'], 'seen', ann);
    assert.equal(published.length, 4);
    await settle();
    assert.equal((await store.alarms.journal({ limit: 10 })).length, 0, 'queued behind the lock');
    stopping = engine.stop();
    // The writer holds the lock a while longer than the stop's first tries.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await store.alarms.journal({ limit: 10 })).length, 0, 'still held');
  } finally {
    other.prepare('COMMIT').run();
    other.close();
  }
  await stopping;
  assert.ok(commits.filter((c) => c === 'busy').length >= 2, commits.join(', '));
  assert.deepEqual(
    (await store.alarms.journal({ limit: 10 })).map((e) => `${e.seq} ${e.alarm} ${e.transition}`),
    ['4 l1.fault.discrete acknowledged', '3 l1.fault.discrete raised', '2 l1.temp.hi raised', '1 l1.temp.hihi raised'],
    'every entry written by stop, in order',
  );
  assert.deepEqual(
    (await store.alarms.loadStates()).map((s) => `${s.id} ${s.acked} ${s.seq}`),
    ['l1.fault.discrete true 4', 'l1.temp.hi false 2', 'l1.temp.hihi false 1'],
    'and the states with them',
  );
  await store.close();
});

test('the journal: filters, cursor pages, append-only', async () => {
  const store = await newStore();
  const { engine } = harness(store);
  await engine.start();
  for (let i = 0; i < 5; i++) engine.onSamples([sample('temp', 125), sample('temp', 50)]);
  const svc = engine.service;
  const all = (await svc.journal({ limit: 100 })).entries;
  assert.equal(all.length, 20);
  const page1 = await svc.journal({ limit: 8 });
  const page2 = await svc.journal({ limit: 8, before: page1.nextBefore! });
  const page3 = await svc.journal({ limit: 8, before: page2.nextBefore! });
  assert.deepEqual([...page1.entries, ...page2.entries, ...page3.entries], all, 'pages join without gap or overlap');
  assert.equal(page3.nextBefore, null);
  assert.equal((await svc.journal({ tag: 'hihi', limit: 100 })).entries.length, 10);
  assert.equal((await svc.journal({ tag: 'TEMP', transition: 'raised', priority: 'critical', limit: 100 })).entries.length, 5);
  assert.equal((await svc.journal({ tag: '%', limit: 100 })).entries.length, 0, 'LIKE wildcards are literal');
  assert.equal((await svc.journal({ line: 'l2', limit: 100 })).entries.length, 0);
  await assert.rejects(svc.journal({ from: 10, to: 5, limit: 1 }), (e: { field?: string }) => e.field === 'from');
  const raw = (await import('better-sqlite3')).default;
  const db = new raw(fileOf(store));
  assert.throws(() => db.prepare('DELETE FROM alarm_events').run(), /append-only/);
  assert.throws(() => db.prepare("UPDATE alarm_events SET username = 'mallory'").run(), /append-only/);
  db.close();
  await engine.stop();
  await store.close();
});
