import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuth } from '../../server/auth/auth-service.ts';
import { verifyPassword } from '../../server/auth/passwords.ts';
import { resetAdmin } from '../../server/auth/reset-admin.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';

const password = 'correct horse battery';

async function twoAdmins() {
  const file = join(await mkdtemp(join(tmpdir(), 'lw-admins-')), 'test.db');
  const store = createSqliteStore(file);
  const auth = createAuth(store);
  await auth.bootstrap(password);
  const first = (await auth.authenticate((await auth.login('admin', password, '127.0.0.1', 'test')).token))!;
  const created = await auth.createUser(first, '127.0.0.1', { username: 'second', password, role: 'admin' });
  const second = (await auth.authenticate((await auth.login('second', password, '127.0.0.2', 'test')).token))!;
  const activeAdmins = async () => (await store.users.list()).filter((u) => u.role === 'admin' && !u.disabled).length;
  return { file, store, auth, first, second, secondId: created.id, activeAdmins };
}

test('two admins demoting each other at once: the second change is refused, an admin remains', async () => {
  const { auth, first, second, secondId, activeAdmins } = await twoAdmins();
  // Both requests were authorised (as admins) before either change ran.
  const [a, b] = await Promise.allSettled([
    auth.updateUser(first, '127.0.0.1', secondId, { role: 'operator' }),
    auth.updateUser(second, '127.0.0.2', first.userId, { role: 'viewer' }),
  ]);
  assert.equal(a.status, 'fulfilled');
  assert.equal(b.status, 'rejected');
  assert.equal((b.reason as { code: string }).code, 'LW_FORBIDDEN', 'the demoted admin acts no more');
  assert.equal(await activeAdmins(), 1);
});

test('the store keeps one active admin, whichever connection (another server on the same file) makes the change', async () => {
  const { file, store, first, secondId, activeAdmins } = await twoAdmins();
  const other = createSqliteStore(file);
  try {
    assert.equal((await store.users.update(secondId, { role: 'operator' }))?.role, 'operator');
    await assert.rejects(
      other.users.update(first.userId, { role: 'viewer' }),
      (e: { code?: string; field?: string }) => e.code === 'LW_CONFLICT' && e.field === 'role',
    );
    await assert.rejects(other.users.update(first.userId, { disabled: true }), (e: { code?: string; field?: string }) => e.field === 'disabled');
    assert.equal(await activeAdmins(), 1);
    // Changes that keep an admin pass: the last admin's password, another user's role.
    assert.equal((await other.users.update(first.userId, { kiosk: false, passwordHash: 'x' }))?.role, 'admin');
    assert.equal((await other.users.update(secondId, { role: 'admin' }))?.role, 'admin');
    assert.equal((await other.users.update(first.userId, { disabled: true }))?.disabled, true, 'another admin is active');
  } finally {
    await other.close();
  }
});

test('the last admin cannot be demoted or disabled through the service either (409 naming the field)', async () => {
  const { auth, first, secondId, activeAdmins } = await twoAdmins();
  await auth.updateUser(first, '127.0.0.1', secondId, { disabled: true });
  const second = { ...first, userId: secondId, username: 'second' };
  await assert.rejects(auth.updateUser(second, '127.0.0.2', first.userId, { role: 'operator' }), { code: 'LW_FORBIDDEN' });
  assert.equal(await activeAdmins(), 1);
});

test('resetAdmin: an existing user gets a new password, the admin role and is enabled; its sessions end; one audit row', async () => {
  const { store, auth, first, secondId } = await twoAdmins();
  const viewer = await auth.createUser(first, '127.0.0.1', { username: 'olga', password, role: 'viewer' });
  await auth.updateUser(first, '127.0.0.1', viewer.id, { disabled: true });
  await auth.updateUser(first, '127.0.0.1', secondId, { role: 'operator' });
  await assert.rejects(resetAdmin(store, { username: 'nobody', password: 'a new password', by: 'test' }), { code: 'LW_NOT_FOUND' });
  await assert.rejects(resetAdmin(store, { username: 'olga', password: 'short', by: 'test' }), { code: 'LW_VALIDATION' });
  await auth.login('second', password, '10.0.0.9', 'test');
  assert.ok((await store.sessions.ofUser(secondId)).length > 0);

  await resetAdmin(store, { username: 'second', password: 'a brand new password', by: 'root@host' });
  const user = (await store.users.byId(secondId))!;
  assert.equal(user.role, 'admin');
  assert.equal(user.disabled, false);
  assert.equal(await verifyPassword('a brand new password', user.passwordHash), true);
  assert.equal((await store.sessions.ofUser(secondId)).length, 0);
  const [row] = await store.audit.query({ action: 'user.reset-admin', limit: 10 });
  assert.equal(row?.target, 'second');
  assert.match(row?.detail ?? '', /root@host; was operator/);
});

test('resetAdmin recovers a database with no active admin (left by the old race)', async () => {
  const store = createSqliteStore(join(await mkdtemp(join(tmpdir(), 'lw-admins-')), 'test.db'));
  await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  await resetAdmin(store, { username: 'op', password: 'a brand new password', by: 'test' });
  assert.deepEqual(
    (await store.users.list()).map((u) => [u.username, u.role, u.disabled]),
    [['op', 'admin', false]],
  );
  await store.close();
});
