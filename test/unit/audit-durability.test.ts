import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAuditQueue } from '../../server/auth/audit-queue.ts';
import { auditedBy } from '../../server/auth/audited.ts';
import { createAuth } from '../../server/auth/auth-service.ts';
import { auditCodec } from '../../server/spool/spool-codecs.ts';
import { createSpool } from '../../server/spool/spool.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { AuditEntry, Store } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

/**
 * Issue 22: an audited action is answered only once its audit row is durable — committed, or
 * in the spool on disk — never while the row still waits in memory (a crash then would lose the
 * row of an action the user was told is done).
 */

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-audit-durable-'));
  dirs.push(dir);
  return dir;
}

const row = (action: string): AuditEntry => ({ ts: Date.now(), username: 'olga', ip: '10.0.0.9', action, target: null, result: 'ok', detail: null });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a promise has settled, looked at later. */
function watch(p: Promise<unknown>): { settled: () => boolean } {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled };
}

/** The store's audit appends, held at a gate while `hold()` is in force (a write lock the database does not give yet). */
function gatedAudit(store: Store) {
  let gate: Promise<void> = Promise.resolve();
  let waiting = 0;
  const gated: Store = {
    ...store,
    audit: {
      ...store.audit,
      async append(entry) {
        waiting++;
        await gate;
        waiting--;
        return store.audit.append(entry);
      },
    },
  };
  return {
    store: gated,
    /** Holds appends until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
    waiting: () => waiting,
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    assert.ok(i < 500, `timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('the audit queue: written() resolves once every row so far is committed', async () => {
  const store = createSqliteStore(join(await tempDir(), 'linewatch.db'));
  const g = gatedAudit(store);
  const queue = createAuditQueue((entry) => g.store.audit.append(entry));
  const release = g.hold();
  queue.append(row('a'));
  queue.append(row('b'));
  const written = watch(queue.written());
  await until('the first write', () => g.waiting() > 0);
  await sleep(50);
  assert.equal(written.settled(), false, 'not while the rows are still in memory');
  release();
  await queue.written();
  assert.deepEqual((await store.audit.query({ limit: 10 })).map((e) => e.action).reverse(), ['a', 'b'], 'both committed when written() resolved');
  await store.close();
});

test('the audit queue: with the database away, written() resolves once the rows are in the spool (synced to disk)', async () => {
  const dir = await tempDir();
  const spool = createSpool({ dir: join(dir, 'spool'), kind: 'audit', codec: auditCodec });
  await spool.open();
  const queue = createAuditQueue(
    async () => {
      throw new Error('connection refused');
    },
    { spool, maxQueued: 1, log: captureLog().log },
  );
  queue.append(row('a'));
  queue.append(row('b'));
  await queue.written();
  assert.equal(spool.stats().rows + queue.pending(), 2);
  assert.equal(queue.pending(), 0, 'nothing left only in memory');
  assert.equal(spool.stats().rows, 2, 'both spooled when written() resolved');
  await spool.close();
});

test('auditedBy: an async action settles once its row is durable; after a synchronous one, written() does', async () => {
  const rows: string[] = [];
  let durable!: () => void;
  let pending = Promise.resolve();
  const audited = auditedBy(
    (e) => {
      rows.push(`${e.action} ${e.result}`);
      pending = new Promise((resolve) => (durable = resolve));
    },
    () => pending,
  );
  const actor = { username: 'olga', ip: '-' };
  const asyncAction = watch(audited(actor, 'simulation.stop', 'l1', async () => 'stopped'));
  await sleep(20);
  assert.deepEqual(rows, ['simulation.stop ok']);
  assert.equal(asyncAction.settled(), false, 'not before its row is durable');
  durable();
  await sleep(0);
  assert.equal(asyncAction.settled(), true);

  assert.equal(
    audited(actor, 'alarm.ack', 'l1.x', () => 'acked'),
    'acked',
    'a synchronous action still returns at once',
  );
  const written = watch(audited.written());
  await sleep(20);
  assert.equal(written.settled(), false);
  durable();
  await audited.written();

  const failing = watch(
    audited(actor, 'simulation.start', 'l1', async () => {
      throw new Error('no such scenario');
    }).catch(() => {}),
  );
  await sleep(20);
  assert.deepEqual(rows.at(-1), 'simulation.start failed: no such scenario');
  assert.equal(failing.settled(), false, 'a refusal is answered once its row is durable too');
  durable();
  await sleep(0);
  assert.equal(failing.settled(), true);
});

test('login, password change and logout are answered once their audit rows are committed', async () => {
  const store = createSqliteStore(join(await tempDir(), 'linewatch.db'));
  const g = gatedAudit(store);
  const auth = createAuth(g.store);
  const password = 'correct horse battery staple';
  await auth.bootstrap(password);
  await auth.flushAudit();
  const okRows = async (action: string) => (await store.audit.query({ action, limit: 100 })).filter((e) => e.result === 'ok').length;

  const answeredOnceCommitted = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
    const before = await okRows(action);
    const release = g.hold();
    const answer = call();
    const answered = watch(answer);
    await until(`the ${action} row's write`, () => g.waiting() > 0);
    await sleep(50);
    assert.equal(answered.settled(), false, `${action}: not answered while its audit row is not committed`);
    release();
    const result = await answer;
    assert.equal(await okRows(action), before + 1, `${action}: its row is committed when it is answered`);
    return result;
  };

  const { token } = await answeredOnceCommitted('login', () => auth.login('admin', password, '10.0.0.9', 'test'));
  const principal = (await auth.authenticate(token))!;
  await answeredOnceCommitted('user.password', () => auth.changePassword(principal, '10.0.0.9', password, `${password} 2`));
  await answeredOnceCommitted('logout', () => auth.logout(principal, '10.0.0.9'));
  await auth.flushAudit();
  await store.close();
});
