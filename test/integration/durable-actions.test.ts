import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import { json, runScenario } from '../helpers/scenarios.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Issue 22, "answered means committed" (role all, SQLite): an operator's alarm action is
 * answered only once its journal entry and its audit row are in the database. The history
 * writer thread holds SQLite's write lock for each batch, and the main thread's commits that
 * find it busy are retried a little later; here another process holds the lock for longer, and
 * the answer must wait for it. What the database holds is read by a connection of its own at
 * the moment each answer arrives. (Before the fix, the answer came at once and its rows ~25 ms
 * after the lock was freed: a crash in between lost an acknowledged action's rows.)
 */

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

interface Count {
  sql: string;
  params: (string | number)[];
}

interface LockedAction {
  status: number;
  sentAt: number;
  answeredAt: number;
  releasedAt: number;
  /** Rows committed when the answer arrived, less those there before. */
  atAnswer: { journal: number; audit: number };
}

/**
 * In a process of its own, so that nothing the server's event loop does can delay it: takes
 * SQLite's write lock on a second connection (`BEGIN IMMEDIATE`), sends one action, frees the
 * lock after `holdMs`, and, the instant the answer arrives, counts the journal entries and audit
 * rows on a third (read-only) connection.
 */
const lockedActionScript = `
  const Database = require('better-sqlite3');
  const a = JSON.parse(process.argv[1]);
  const lock = new Database(a.file);
  lock.pragma('busy_timeout = 5000');
  lock.exec('BEGIN IMMEDIATE');
  const reader = new Database(a.file, { readonly: true });
  const count = (q) => reader.prepare(q.sql).get(...q.params).n;
  const counts = () => ({ journal: count(a.journal), audit: count(a.audit) });
  const before = counts();
  let releasedAt;
  setTimeout(() => { lock.exec('COMMIT'); releasedAt = Date.now(); }, a.holdMs);
  const sentAt = Date.now();
  fetch(a.url, { method: 'POST', headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: JSON.stringify(a.body) }).then(async (res) => {
    const answeredAt = Date.now();
    const now = counts();
    await res.arrayBuffer();
    const atAnswer = { journal: now.journal - before.journal, audit: now.audit - before.audit };
    const done = () => {
      if (releasedAt === undefined) return setTimeout(done, 20);
      process.stdout.write(JSON.stringify({ status: res.status, sentAt, answeredAt, releasedAt, atAnswer }));
      process.exit(0);
    };
    done();
  });`;

async function actWhileLocked(
  request: { path: string; body: unknown; as: 'operator' | 'admin' },
  counts: { journal: Count; audit: Count },
  holdMs = 500,
): Promise<LockedAction> {
  const args = {
    file: join(server.dataDir, 'linewatch.db'),
    url: server.url + request.path,
    cookie: server.cookies[request.as],
    body: request.body,
    holdMs,
    ...counts,
  };
  const child = spawn(process.execPath, ['-e', lockedActionScript, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0, `the locking client exited with ${code}`);
  return JSON.parse(out) as LockedAction;
}

/** The action's journal entry (by transition and user) and audit row (ok) of one alarm. */
const rowsOf = (id: string, transition: string, action: string, username: string) => ({
  journal: { sql: 'SELECT count(*) AS n FROM alarm_events WHERE alarm_id = ? AND transition = ? AND username = ?', params: [id, transition, username] },
  audit: { sql: "SELECT count(*) AS n FROM audit WHERE action = ? AND target = ? AND username = ? AND result = 'ok'", params: [action, id, username] },
});

/** Answered after the lock was freed, with its journal entry and audit row committed by then. */
function assertAnsweredOnceCommitted(r: LockedAction, what: string): void {
  assert.equal(r.status, 200, what);
  assert.ok(
    r.answeredAt >= r.releasedAt,
    `${what}: answered ${r.answeredAt - r.sentAt} ms after it was sent, while the write lock was held (freed at ${r.releasedAt - r.sentAt} ms): before its rows were committed`,
  );
  assert.deepEqual(r.atAnswer, { journal: 1, audit: 1 }, `${what}: journal entry and audit row committed when the answer arrived`);
}

async function alarmOf(id: string): Promise<AlarmView | undefined> {
  const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?all=1', { as: 'viewer' }));
  return alarms.find((a) => a.id === id);
}

test('an acknowledgement is answered only once its journal entry and audit row are committed, the write lock held by another connection', async () => {
  const id = 'filling.fault.discrete';
  await runScenario(server, 'filling', 'jam');
  for (let i = 0; (await alarmOf(id))?.state !== 'unack-active'; i++) {
    assert.ok(i < 100, 'the fault alarm is raised');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const r = await actWhileLocked(
    { path: '/api/alarms/ack', body: { ids: [id], comment: 'durable' }, as: 'operator' },
    rowsOf(id, 'acknowledged', 'alarm.ack', 'operator'),
  );
  assertAnsweredOnceCommitted(r, 'ack');
  assert.ok(r.answeredAt - r.releasedAt < 1000, `answered ${r.answeredAt - r.releasedAt} ms after the lock was freed`);
  await runScenario(server, 'filling', 'normal');
});

test('shelve, unshelve, out of service and return to service: each answered once committed', async () => {
  const id = 'packaging.door-open.discrete';
  const actions = [
    { path: '/api/alarms/shelve', body: { id, durationMin: 15, reason: 'switch replaced' }, action: 'alarm.shelve', transition: 'shelved', as: 'operator' },
    { path: '/api/alarms/unshelve', body: { id, comment: 'done' }, action: 'alarm.unshelve', transition: 'unshelved', as: 'operator' },
    { path: '/api/alarms/out-of-service', body: { id, reason: 'sensor removed' }, action: 'alarm.out-of-service', transition: 'out-of-service', as: 'admin' },
    { path: '/api/alarms/return-to-service', body: { id }, action: 'alarm.return-to-service', transition: 'returned-to-service', as: 'admin' },
  ] as const;
  for (const a of actions) {
    const r = await actWhileLocked({ path: a.path, body: a.body, as: a.as }, rowsOf(id, a.transition, a.action, a.as));
    assertAnsweredOnceCommitted(r, a.path);
  }
  assert.equal((await alarmOf(id))?.state, 'normal');
});
