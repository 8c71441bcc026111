import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAuditQueue } from '../../server/auth/audit-queue.ts';
import { auditCodec } from '../../server/spool/spool-codecs.ts';
import { createSpool } from '../../server/spool/spool.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { AuditEntry, Store } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-audit-queue-'));
  dirs.push(dir);
  return dir;
}

const row = (action: string): AuditEntry => ({ ts: Date.now(), username: 'olga', ip: '10.0.0.9', action, target: null, result: 'ok', detail: null });
const actions = async (store: Store) => (await store.audit.query({ limit: 1000 })).map((e) => e.action).reverse();

/** Appends to the store, failing while `down.now`; `lostAnswers` appends that fail after writing (the answer lost on the way). */
function flakyWrite(store: Store) {
  const down = { now: false, lostAnswers: 0 };
  const write = async (entry: AuditEntry) => {
    if (down.now) throw new Error('connection refused');
    await store.audit.append(entry);
    if (down.lostAnswers > 0) {
      down.lostAnswers--;
      throw new Error('connection reset (after the commit)');
    }
  };
  return { write, down };
}

async function openAuditSpool(dir: string) {
  const spool = createSpool({ dir, kind: 'audit', codec: auditCodec });
  await spool.open();
  return spool;
}

test('past maxQueued rows go to the spool; once the database is back, spooled rows first, then memory: in order, each once', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const { write, down } = flakyWrite(store);
  const spool = await openAuditSpool(join(dir, 'spool'));
  const captured = captureLog();
  const failures: number[] = [];
  const queue = createAuditQueue(write, { spool, maxQueued: 3, log: captured.log, onFailure: () => failures.push(1) });
  down.now = true;
  for (let i = 0; i < 10; i++) queue.append(row(`a${i}`));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(spool.stats().rows >= 4, `${spool.stats().rows} rows spooled`);
  assert.equal(queue.pending() + spool.stats().rows, 10);
  assert.equal(captured.lines.filter((l) => l.includes('could not write the audit log')).length, 1, 'logged once per outage');

  down.now = false;
  await queue.drain(5000);
  assert.deepEqual(
    await actions(store),
    Array.from({ length: 10 }, (_, i) => `a${i}`),
  );
  assert.equal(spool.stats().rows, 0);
  assert.ok(failures.length >= 1, 'failures counted');
  await spool.close();
  await store.close();
});

test('a row whose write answer was lost is retried and still written once (its key)', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const { write, down } = flakyWrite(store);
  const queue = createAuditQueue(write, { log: captureLog().log });
  down.lostAnswers = 1;
  queue.append(row('alarm.ack'));
  queue.append(row('alarm.shelve'));
  await queue.drain(5000);
  assert.deepEqual(await actions(store), ['alarm.ack', 'alarm.shelve']);
  await store.close();
});

test('at shutdown what memory holds goes to the spool; the next run writes it (resume) before its own rows', async () => {
  const dir = await tempDir();
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const { write, down } = flakyWrite(store);
  const spool = await openAuditSpool(join(dir, 'spool'));
  const captured = captureLog();
  const queue = createAuditQueue(write, { spool, log: captured.log });
  down.now = true;
  queue.append(row('user.create'));
  queue.append(row('alarm.ack'));
  await queue.drain(50);
  assert.equal(queue.pending(), 0);
  assert.equal(spool.stats().rows, 2);
  assert.ok(captured.lines.some((l) => l.includes('audit rows spooled at shutdown')));
  await spool.close();

  const reopened = await openAuditSpool(join(dir, 'spool'));
  const next = createAuditQueue(flakyWrite(store).write, { spool: reopened });
  next.resume();
  next.append(row('login'));
  await next.drain(5000);
  assert.deepEqual(await actions(store), ['user.create', 'alarm.ack', 'login']);
  await reopened.close();
  await store.close();
});
