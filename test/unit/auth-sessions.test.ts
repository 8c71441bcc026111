import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuth, type Principal } from '../../server/auth/auth-service.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';

const password = 'correct horse battery';

async function setup() {
  const store = createSqliteStore(join(await mkdtemp(join(tmpdir(), 'lw-auth-')), 'test.db'));
  const auth = createAuth(store);
  await auth.bootstrap(password);
  const admin = (await auth.authenticate((await auth.login('admin', password, '127.0.0.1', 'test')).token))!;
  const user = await auth.createUser(admin, '127.0.0.1', { username: 'olga', password, role: 'viewer' });
  const { token } = await auth.login('olga', password, '10.0.0.1', 'test');
  // Counts the store's session reads, to tell a remembered session from a looked-up one.
  let reads = 0;
  const get = store.sessions.get.bind(store.sessions);
  store.sessions.get = (id) => (reads++, get(id));
  return { store, auth, admin, user, token, reads: () => reads };
}

test('a session is read from the store once a second at most, and timeouts still hold on every request', async () => {
  const { auth, token, reads } = await setup();
  const now = Date.now();
  const first = (await auth.authenticate(token, now))!;
  assert.equal(first.role, 'viewer');
  for (let i = 1; i <= 50; i++) assert.deepEqual(await auth.authenticate(token, now + i * 10), first);
  assert.equal(reads(), 1);
  assert.deepEqual(await auth.authenticate(token, now + 1000), first);
  assert.equal(reads(), 2, 'read again after a second');
  // Idle for longer than the 30-min idle timeout: refused, though the session was just remembered.
  assert.equal(await auth.authenticate(token, now + 1000 + 31 * 60_000), undefined);
  assert.equal(await auth.authenticate(token, now + 1001 + 31 * 60_000), undefined, 'and it is gone');
});

test('what this process changes about a session or its user counts on the next request', async () => {
  const { auth, admin, user, token } = await setup();
  const role = async (t: string) => (await auth.authenticate(t))?.role;
  assert.equal(await role(token), 'viewer');
  await auth.updateUser(admin, '127.0.0.1', user.id, { role: 'operator' });
  assert.equal(await role(token), 'operator', 'new role at once');
  await auth.updateUser(admin, '127.0.0.1', user.id, { disabled: true });
  assert.equal(await role(token), undefined, 'disabled at once');
  await auth.updateUser(admin, '127.0.0.1', user.id, { disabled: false });

  const { token: again } = await auth.login('olga', password, '10.0.0.1', 'test');
  const principal: Principal = (await auth.authenticate(again))!;
  await auth.logout(principal, '10.0.0.1');
  assert.equal(await auth.authenticate(again), undefined, 'signed out at once');

  const { token: other } = await auth.login('olga', password, '10.0.0.1', 'test');
  const session = (await auth.authenticate(other))!.session;
  await auth.endSession((await auth.authenticate(other))!, session, '10.0.0.1');
  assert.equal(await auth.authenticate(other), undefined, 'ended from another device at once');
});

test('a session deleted behind this process (another instance on the same database) ends within a second', async () => {
  const { store, auth, token } = await setup();
  const now = Date.now();
  const principal = (await auth.authenticate(token, now))!;
  await store.sessions.delete(principal.session);
  assert.ok(await auth.authenticate(token, now + 500), 'remembered for now');
  assert.equal(await auth.authenticate(token, now + 1000), undefined);
});

test('background requests leave the idle timeout running; the user’s own requests extend it', async () => {
  const { auth, token } = await setup();
  const { token: polled } = await auth.login('olga', password, '10.0.0.2', 'test');
  const start = Date.now();
  const min = 60_000;
  // A 30-min idle timeout; both sessions polled every minute for 29 minutes.
  for (let t = min; t < 30 * min; t += min) {
    assert.ok(await auth.authenticate(token, start + t, 'background'));
    assert.ok(await auth.authenticate(polled, start + t, 'background'));
  }
  assert.ok(await auth.authenticate(token, start + 29 * min + 30_000, 'user'), 'the user comes back');
  assert.equal(await auth.authenticate(polled, start + 31 * min, 'background'), undefined, 'polling alone: timed out');
  assert.ok(await auth.authenticate(token, start + 31 * min, 'background'), 'extended by the user’s request');
  // A user request just after a background one (the session remembered for a second) counts too.
  assert.ok(await auth.authenticate(token, start + 50 * min, 'background'));
  assert.ok(await auth.authenticate(token, start + 50 * min + 10, 'user'));
  assert.ok(await auth.authenticate(token, start + 79 * min, 'background'));
  assert.equal(await auth.authenticate(token, start + 81 * min, 'background'), undefined);
});
