import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';

const entry = (action: string) => ({ ts: Date.now(), username: 'admin', ip: '127.0.0.1', action, target: null, result: 'ok', detail: null });

test('audit rows never wait for the write lock: while another connection holds it they queue, then land in order', (t) => {
  // Mocked timers: the retries run exactly when the test ticks, so "still held" and "landed"
  // are checked after known retries, not after a sleep that may or may not have covered one.
  // How long the caller takes while the lock is held is a figure of bench:write-lock.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const dir = mkdtempSync(join(tmpdir(), 'lw-deferred-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const other = new Database(join(dir, 'linewatch.db'));
  try {
    store.audit.append(entry('first'));
    assert.deepEqual(
      store.audit.query({ limit: 10 }).map((e) => e.action),
      ['first'],
      'written at once when the lock is free',
    );

    // The history writer thread holds the lock for a batch.
    other.prepare('BEGIN IMMEDIATE').run();
    store.audit.append(entry('second'));
    store.audit.append(entry('third'));
    assert.deepEqual(
      store.audit.query({ limit: 10 }).map((e) => e.action),
      ['first'],
      'not written while the lock is held',
    );
    t.mock.timers.tick(100);
    assert.deepEqual(
      store.audit.query({ limit: 10 }).map((e) => e.action),
      ['first'],
      'retried, still held',
    );
    other.prepare('COMMIT').run();

    t.mock.timers.tick(100);
    assert.deepEqual(
      store.audit.query({ limit: 10 }).map((e) => e.action),
      ['third', 'second', 'first'],
      'all there, in order (newest first)',
    );
  } finally {
    other.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close writes what is still queued', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-deferred-'));
  const file = join(dir, 'linewatch.db');
  const store = createSqliteStore(file);
  const other = new Database(file);
  other.prepare('BEGIN IMMEDIATE').run();
  store.audit.append(entry('queued'));
  assert.equal(store.audit.query({ limit: 10 }).length, 0, 'queued behind the lock');
  other.prepare('COMMIT').run();
  store.close();
  other.close();
  const again = createSqliteStore(file);
  try {
    assert.deepEqual(
      again.audit.query({ limit: 10 }).map((e) => e.action),
      ['queued'],
    );
  } finally {
    again.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
