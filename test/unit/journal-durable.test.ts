import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import { createJournalWriter } from '../../server/alarms/journal-writer.ts';
import { journalCodec } from '../../server/spool/spool-codecs.ts';
import { createSpool } from '../../server/spool/spool.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { AlarmRepository } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

/**
 * Issue 22: the journal writer's `durable()`, what an operator's action is answered after —
 * once its entries are committed, or in the spool on disk when the database is away.
 */

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-journal-durable-'));
  dirs.push(dir);
  return dir;
}

const entry = (seq: number): AlarmJournalEntry => ({
  seq,
  ts: Date.now(),
  alarm: 'l1.fault.discrete',
  line: 'l1',
  tag: 'l1.fault',
  kind: 'discrete',
  label: 'Fault',
  message: 'Fault',
  priority: 'high',
  transition: 'acknowledged',
  state: 'ack-active',
  value: 1,
  limit: null,
  user: 'olga',
  comment: null,
  suppressed: false,
});

function watch(p: Promise<unknown>): { settled: () => boolean } {
  let settled = false;
  void p.then(() => (settled = true));
  return { settled: () => settled };
}

test('durable(): not while the write lock is held by another connection; once the entry is committed', async () => {
  const file = join(await tempDir(), 'linewatch.db');
  const store = createSqliteStore(file);
  const journal = createJournalWriter({ store: store.alarms, log: captureLog().log });
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  journal.enqueue([entry(1)], []);
  const durable = watch(journal.durable());
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(durable.settled(), false, 'the lock is held: not committed, not durable');
  other.exec('COMMIT');
  await journal.durable();
  const reader = new Database(file, { readonly: true });
  assert.equal((reader.prepare('SELECT count(*) AS n FROM alarm_events').get() as { n: number }).n, 1, 'committed when durable() resolved');
  reader.close();
  other.close();
  await journal.stop();
  await store.close();
});

test('durable(): with the database away, resolves once the entries are in the spool (well before maxQueued); written() waits for the database', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const down = { now: true };
  const alarms: AlarmRepository = {
    ...store.alarms,
    async commit(entries, states) {
      if (down.now) throw new Error('connection refused');
      await store.alarms.commit(entries, states);
    },
  };
  const spool = createSpool({ dir: join(dir, 'spool'), kind: 'journal', codec: journalCodec });
  await spool.open();
  const journal = createJournalWriter({ store: alarms, log: captureLog().log, spool, maxQueued: 10_000 });
  // A transition nobody waits for: it stays in memory (the database is retried on a backoff).
  journal.enqueue([entry(1)], []);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(spool.stats().rows, 0, 'under the bound, nothing spooled while nobody waits');
  // An operator's action: answered once it is on disk, without waiting for the retry's backoff.
  journal.enqueue([entry(2)], []);
  const started = performance.now();
  await journal.durable();
  assert.ok(performance.now() - started < 1000, `durable after ${Math.round(performance.now() - started)} ms`);
  assert.equal(spool.stats().rows, 2, 'both entries spooled, in order');
  const written = watch(journal.written());
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(written.settled(), false, 'written() is for the database itself (a collector hands a line over after it)');
  down.now = false;
  await journal.written();
  assert.deepEqual((await store.alarms.journal({ limit: 10 })).map((e) => e.seq).reverse(), [1, 2]);
  await journal.stop();
  await spool.close();
  await store.close();
});
