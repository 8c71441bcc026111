import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import { createJournalWriter, type JournalWriter } from '../../server/alarms/journal-writer.ts';
import type { Audited } from '../../server/auth/audited.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { journalCodec } from '../../server/spool/spool-codecs.ts';
import { createSpool } from '../../server/spool/spool.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { AlarmRepository, Store } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

const plant = parsePlant({
  name: 'p',
  lines: [
    {
      id: 'l1',
      name: 'L1',
      connections: [{ id: 'plc1', protocol: 'tcp', port: 502, tags: [{ name: 'fault', area: 'coil', address: 0, type: 'bool', alarms: { on: true } }] }],
    },
  ],
});
const fault = 'l1.fault.discrete';
const operator = { username: 'olga', ip: '10.0.0.9' };
const audited: Audited = (_actor, _action, _target, run) => run();

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-journal-'));
  dirs.push(dir);
  return dir;
}

/** The store's alarm repository with commits that fail while `down.now`, each commit recorded (its first seq). */
function flaky(store: Store) {
  const down = { now: false };
  const commits: number[] = [];
  const alarms: AlarmRepository = {
    ...store.alarms,
    async commit(entries, states) {
      if (down.now) throw new Error('connection refused');
      await store.alarms.commit(entries, states);
      commits.push(entries[0]?.seq ?? 0);
    },
  };
  return { alarms, down, commits };
}

async function openJournalSpool(dir: string) {
  const spool = createSpool({ dir, kind: 'journal', codec: journalCodec });
  await spool.open();
  return spool;
}

function engineOn(alarms: AlarmRepository, journal: JournalWriter) {
  return createAlarmEngine({ plant, store: alarms, journal, publish: () => {}, audited, log: captureLog().log });
}

const toggle = (engine: ReturnType<typeof engineOn>, value: number) => engine.onSamples([{ tag: 'l1.fault', ts: Date.now(), value, quality: 'good' }]);

test('past maxQueued the queue goes to the spool; when the database is back the spool is written first, then memory: in order, each entry once', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const { alarms, down, commits } = flaky(store);
  const spool = await openJournalSpool(join(dir, 'spool'));
  const captured = captureLog();
  const journal = createJournalWriter({ store: alarms, log: captured.log, maxQueued: 3, spool });
  const engine = engineOn(alarms, journal);
  await journal.start();
  await engine.start();

  down.now = true;
  // Raised, cleared, … raised (9 transitions), then acknowledged: 10 entries.
  for (let i = 0; i < 9; i++) toggle(engine, (i + 1) % 2);
  engine.service.acknowledge([fault], 'seen', operator);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(spool.stats().rows >= 4, `${spool.stats().rows} entries spooled`);
  assert.ok(journal.queued().length <= 4, 'memory stays near its bound');
  assert.equal(journal.queued().length + spool.stats().rows, 10, 'every entry is in memory or in the spool');

  down.now = false;
  await journal.written();
  const written = await store.alarms.journal({ limit: 100 });
  assert.deepEqual(
    written.map((e) => e.seq).reverse(),
    Array.from({ length: 10 }, (_, i) => i + 1),
    'every entry once',
  );
  assert.deepEqual(
    commits,
    [...commits].sort((a, b) => a - b),
    'committed in seq order: spool first, then memory',
  );
  assert.equal(spool.stats().rows, 0);
  assert.ok(spool.stats().replayed >= 4);
  const [state] = await store.alarms.loadStates();
  assert.equal(state?.seq, 10, 'the state saved last is the latest');
  assert.equal(state?.acked, true);
  assert.ok(captured.lines.some((l) => l.includes('written again')));
  await engine.stop();
  await journal.stop();
  await spool.close();
  await store.close();
});

test('stop with the database away spools what is queued; the next run writes it before restoring states, and carries on from there', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const first = flaky(store);
  const spool = await openJournalSpool(join(dir, 'spool'));
  const journal = createJournalWriter({ store: first.alarms, log: captureLog().log, spool, stopWaitMs: 100 });
  const engine = engineOn(first.alarms, journal);
  await journal.start();
  await engine.start();
  first.down.now = true;
  toggle(engine, 1);
  engine.service.acknowledge([fault], 'seen', operator);
  await engine.stop();
  await journal.stop();
  assert.equal(spool.stats().rows, 2, 'both transitions spooled at stop');
  await spool.close();

  const reopened = await openJournalSpool(join(dir, 'spool'));
  const second = flaky(store);
  const journal2 = createJournalWriter({ store: second.alarms, log: captureLog().log, spool: reopened });
  const engine2 = engineOn(second.alarms, journal2);
  await journal2.start();
  await engine2.start();
  assert.equal(engine2.service.get(fault).state, 'ack-active', 'restored from the state spooled with the entries');
  assert.deepEqual(
    (await store.alarms.journal({ limit: 10 })).map((e) => e.transition),
    ['acknowledged', 'raised'],
  );
  toggle(engine2, 0);
  await journal2.written();
  assert.equal((await store.alarms.journal({ limit: 10 })).length, 3);
  await engine2.stop();
  await journal2.stop();
  await reopened.close();
  await store.close();
});

test('without a spool, entries past maxQueued are dropped, oldest first, and logged', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const { alarms, down } = flaky(store);
  const captured = captureLog();
  const journal = createJournalWriter({ store: alarms, log: captured.log, maxQueued: 3, stopWaitMs: 0 });
  const engine = engineOn(alarms, journal);
  await engine.start();
  down.now = true;
  for (let i = 0; i < 5; i++) toggle(engine, (i + 1) % 2);
  // The retries (5, 10, 20, 40 ms apart) fail: past the bound, the oldest go.
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.deepEqual(
    journal.queued().map((e) => e.seq),
    [3, 4, 5],
  );
  assert.ok(captured.lines.some((l) => l.includes('dropped alarm journal entries')));
  await engine.stop();
  await journal.stop();
  await store.close();
});
