import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';

/** Lets settled promises' callbacks run (setImmediate is not mocked). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const entry = (action: string) => ({ ts: Date.now(), username: 'admin', ip: '127.0.0.1', action, target: null, result: 'ok', detail: null });

test('audit rows never wait for the write lock: while another connection holds it they queue, then land in order', async (t) => {
  // Mocked timers: the retries run exactly when the test ticks, so "still held" and "landed"
  // are checked after known retries, not after a sleep that may or may not have covered one.
  // How long the caller takes while the lock is held is a figure of bench:write-lock.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const dir = mkdtempSync(join(tmpdir(), 'lw-deferred-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const other = new Database(join(dir, 'linewatch.db'));
  try {
    await store.audit.append(entry('first'));
    assert.deepEqual(
      (await store.audit.query({ limit: 10 })).map((e) => e.action),
      ['first'],
      'written at once when the lock is free',
    );

    // The history writer thread holds the lock for a batch.
    other.prepare('BEGIN IMMEDIATE').run();
    // Each append resolves once its row is written.
    const landed: string[] = [];
    const second = store.audit.append(entry('second')).then(() => landed.push('second'));
    const third = store.audit.append(entry('third')).then(() => landed.push('third'));
    await settle();
    assert.deepEqual(
      (await store.audit.query({ limit: 10 })).map((e) => e.action),
      ['first'],
      'not written while the lock is held',
    );
    assert.deepEqual(landed, [], 'nor resolved');
    t.mock.timers.tick(100);
    await settle();
    assert.deepEqual(
      (await store.audit.query({ limit: 10 })).map((e) => e.action),
      ['first'],
      'retried, still held',
    );
    assert.deepEqual(landed, [], 'still pending');
    other.prepare('COMMIT').run();

    t.mock.timers.tick(100);
    await Promise.all([second, third]);
    assert.deepEqual(landed, ['second', 'third'], 'resolved in order once written');
    assert.deepEqual(
      (await store.audit.query({ limit: 10 })).map((e) => e.action),
      ['third', 'second', 'first'],
      'all there, in order (newest first)',
    );
  } finally {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close writes what is still queued', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-deferred-'));
  const file = join(dir, 'linewatch.db');
  const store = createSqliteStore(file);
  const other = new Database(file);
  other.prepare('BEGIN IMMEDIATE').run();
  const queued = store.audit.append(entry('queued'));
  await settle();
  assert.equal((await store.audit.query({ limit: 10 })).length, 0, 'queued behind the lock');
  other.prepare('COMMIT').run();
  await store.close();
  await queued;
  other.close();
  const again = createSqliteStore(file);
  try {
    assert.deepEqual(
      (await again.audit.query({ limit: 10 })).map((e) => e.action),
      ['queued'],
    );
  } finally {
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
