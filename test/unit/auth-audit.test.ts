import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuth } from '../../server/auth/auth-service.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { AuditEntry } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

const day = 86_400_000;

async function openStore() {
  return createSqliteStore(join(await mkdtemp(join(tmpdir(), 'lw-audit-')), 'test.db'));
}

/**
 * Lets the audit queue write what it holds: with the write lock free each row is written at
 * once and the queue moves on in promise callbacks, all run before an immediate.
 */
const written = () => new Promise<void>((resolve) => setImmediate(resolve));

const row = (ts: number, action = 'test'): AuditEntry => ({ ts, username: 'u', ip: '-', action, target: null, result: 'ok', detail: null });

test('audit retention: sweep deletes rows past retention in steps; rows younger than a day stay whatever asks', async () => {
  const store = await openStore();
  const now = Date.now();
  for (let i = 0; i < 25; i++) await store.audit.append(row(now - 400 * day + i));
  for (let i = 0; i < 5; i++) await store.audit.append(row(now - 10 * day + i));
  await store.audit.append(row(now));
  const auth = createAuth(store, { auditRetentionMs: 365 * day, auditPruneRows: 10 });
  const count = async () => (await store.audit.query({ action: 'test', limit: 1000 })).length;
  assert.equal(await count(), 31);
  await auth.sweep(now);
  assert.equal(await count(), 21, 'one step of 10');
  await auth.sweep(now);
  await auth.sweep(now);
  assert.equal(await count(), 6, 'the old ones gone, the rest kept');
  await auth.sweep(now);
  assert.equal(await count(), 6);

  assert.equal(await store.audit.prune(now - 5 * day, 100), 5, 'a shorter retention reaches the 10-day-old rows');
  await assert.rejects(store.audit.prune(now + 2 * day, 100), /younger than a day/, 'today’s rows are never deleted');
  assert.equal(await count(), 1);
  await store.close();
});

test('refused logins: one audit row per account × address and period, written by the sweep; one log line', async () => {
  const store = await openStore();
  const { log, lines } = captureLog();
  const auth = createAuth(store, { throttle: { maxFailures: 2, baseDelayMs: 60_000 }, log });
  await auth.bootstrap('correct horse battery');
  for (let i = 0; i < 2; i++) await assert.rejects(auth.login('admin', 'wrong password', '10.0.0.1', 'test'), { code: 'LW_UNAUTHENTICATED' });
  for (let i = 0; i < 300; i++) await assert.rejects(auth.login('admin', 'wrong password', '10.0.0.1', 'test'), { code: 'LW_THROTTLED' });
  // Another address, rotating usernames past its own limit: one row for the address.
  for (let i = 0; i < 4; i++) await assert.rejects(auth.login(`user-${i}`, 'wrong password', '10.0.0.2', 'test'), { code: 'LW_UNAUTHENTICATED' });
  for (let i = 0; i < 50; i++) await assert.rejects(auth.login(`other-${i}`, 'wrong password', '10.0.0.2', 'test'), { code: 'LW_THROTTLED' });

  // Audit rows are written by a queue, after the action: let it write what it holds before reading.
  const logins = async () => {
    await written();
    return store.audit.query({ action: 'login', limit: 1000 });
  };
  assert.equal((await logins()).filter((r) => r.result === 'throttled').length, 0, 'not one row each');
  await auth.sweep(Date.now() + 60_000);
  assert.equal((await logins()).filter((r) => r.result === 'throttled').length, 0, 'the period has not ended');
  await auth.sweep(Date.now() + 6 * 60_000);
  const rows = (await logins()).filter((r) => r.result === 'throttled');
  assert.deepEqual(
    rows
      .map((r) => [r.username, r.ip, /^\d+ attempts refused( for \d+ accounts)?/.exec(r.detail ?? '')?.[0]])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      ['admin', '10.0.0.1', '300 attempts refused'],
      [null, '10.0.0.2', '50 attempts refused for 50 accounts'],
    ],
  );
  assert.equal((await logins()).filter((r) => r.result.startsWith('denied')).length, 6, 'failures are still one row each');
  assert.equal(lines.filter((l) => l.startsWith('warn login throttled')).length, 2, 'one log line per tally');
  const failed = lines.filter((l) => l.startsWith('warn login failed'));
  assert.equal(failed.length, 6);
  assert.match(failed[0]!, /"username":"admin","ip":"10.0.0.1","result":"denied: bad credentials"/);
  await store.close();
});

test('refusals counted at shutdown are written by flushAudit', async () => {
  const store = await openStore();
  const auth = createAuth(store, { throttle: { maxFailures: 1, baseDelayMs: 60_000 } });
  await assert.rejects(auth.login('a\nfake row', 'wrong password', '10.0.0.3', 'test'), { code: 'LW_UNAUTHENTICATED' });
  await assert.rejects(auth.login('a\nfake row', 'wrong password', '10.0.0.3', 'test'), { code: 'LW_THROTTLED' });
  await auth.flushAudit();
  const [summary] = (await store.audit.query({ action: 'login', limit: 10 })).filter((r) => r.result === 'throttled');
  assert.equal(summary?.username, 'a\nfake row', 'kept as data in its own column');
  await store.close();
});
