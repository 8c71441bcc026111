import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntry, Role, SessionRecord, Store } from '../../server/storage/store.ts';
import { ConflictError } from '../../lib/errors.ts';
import { eachEngine } from './engines.ts';

const day = 86_400_000;

const addUser = (store: Store, username: string, role: Role, kiosk?: boolean) =>
  store.users.create({ username, passwordHash: `hash-${username}`, role, kiosk });

const activeAdmins = async (store: Store) => (await store.users.list()).filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.username);

const isConflictOn = (field: string) => (e: { code?: string; field?: string }) => e.code === 'LW_CONFLICT' && e.field === field;
const forbidden = { code: 'LW_FORBIDDEN' };

eachEngine('users', ({ open, openShared }) => {
  test('create, count, byId, byName (any case) and list (by name, any case)', async () => {
    const store = await open();
    assert.equal(await store.users.count(), 0);
    const before = Date.now();
    const bob = await addUser(store, 'bob', 'operator');
    assert.deepEqual(
      { ...bob, createdAt: 0 },
      { id: bob.id, username: 'bob', passwordHash: 'hash-bob', role: 'operator', disabled: false, kiosk: false, createdAt: 0 },
    );
    assert.ok(bob.createdAt >= before && bob.createdAt <= Date.now());
    assert.equal(typeof bob.id, 'number');
    const wall = await addUser(store, 'Wall', 'viewer', true);
    assert.equal(wall.kiosk, true);
    await addUser(store, 'alice', 'admin');

    assert.equal(await store.users.count(), 3);
    assert.deepEqual(await store.users.byId(bob.id), bob);
    assert.equal(await store.users.byId(bob.id + 1000), undefined);
    assert.deepEqual(await store.users.byName('BOB'), bob);
    assert.deepEqual(await store.users.byName('wall'), wall);
    assert.equal(await store.users.byName('nobody'), undefined);
    assert.deepEqual(
      (await store.users.list()).map((u) => u.username),
      ['alice', 'bob', 'Wall'],
    );
    await assert.rejects(addUser(store, 'Bob', 'viewer'), 'a username is unique whatever its case');
    assert.equal(await store.users.count(), 3);
  });

  test('a name taken, by this process or another, is a ConflictError naming username; nothing is written', async () => {
    const store = await open();
    const other = await openShared();
    await store.users.create({ username: 'olga', passwordHash: 'h', role: 'operator' });
    for (const s of [store, other]) {
      await assert.rejects(s.users.create({ username: 'olga', passwordHash: 'h2', role: 'admin' }), (error: unknown) => {
        assert.ok(error instanceof ConflictError, String(error));
        assert.equal(error.field, 'username');
        return true;
      });
    }
    assert.equal(await store.users.count(), 1);
  });

  test('update changes what it is given and returns the user; an unknown id gives undefined', async () => {
    const store = await open();
    await addUser(store, 'admin', 'admin');
    const op = await addUser(store, 'op', 'operator');
    const changed = await store.users.update(op.id, { role: 'viewer', kiosk: true, passwordHash: 'new-hash' });
    assert.deepEqual(changed, { ...op, role: 'viewer', kiosk: true, passwordHash: 'new-hash' });
    assert.deepEqual(await store.users.byId(op.id), changed);
    assert.equal((await store.users.update(op.id, { disabled: true }))?.disabled, true);
    assert.equal((await store.users.update(op.id, { disabled: false }))?.disabled, false);
    assert.deepEqual(await store.users.update(op.id, {}), changed, 'no change: the user as it is');
    assert.equal(await store.users.update(op.id + 1000, { role: 'admin' }), undefined);
  });

  test('the last active admin cannot be demoted or disabled (ConflictError naming the field); other changes pass', async () => {
    const store = await open();
    const admin = await addUser(store, 'admin', 'admin');
    const other = await addUser(store, 'other', 'admin');
    await store.users.update(other.id, { disabled: true });

    await assert.rejects(store.users.update(admin.id, { role: 'operator' }), isConflictOn('role'));
    await assert.rejects(store.users.update(admin.id, { disabled: true }), isConflictOn('disabled'));
    await assert.rejects(store.users.update(admin.id, { role: 'viewer', kiosk: true }), isConflictOn('role'));
    assert.deepEqual(await store.users.byId(admin.id), admin, 'nothing of a refused change is written');

    assert.equal((await store.users.update(admin.id, { passwordHash: 'x', kiosk: true }))?.role, 'admin');
    assert.equal((await store.users.update(other.id, { disabled: false }))?.disabled, false, 'a second active admin');
    assert.equal((await store.users.update(admin.id, { role: 'operator' }))?.role, 'operator', 'allowed: another admin is active');
    await assert.rejects(store.users.update(other.id, { disabled: true }), isConflictOn('disabled'));
    assert.deepEqual(await activeAdmins(store), ['other']);
  });

  test('actorId: refused (ForbiddenError, nothing written) unless the actor is an active admin', async () => {
    const store = await open();
    const admin = await addUser(store, 'admin', 'admin');
    const op = await addUser(store, 'op', 'operator');
    const former = await addUser(store, 'former', 'admin');
    await store.users.update(former.id, { disabled: true });

    await assert.rejects(store.users.update(op.id, { role: 'admin' }, { actorId: op.id }), forbidden);
    await assert.rejects(store.users.update(op.id, { role: 'admin' }, { actorId: former.id }), forbidden, 'a disabled admin');
    await assert.rejects(store.users.update(op.id, { role: 'admin' }, { actorId: op.id + 1000 }), forbidden, 'an unknown actor');
    assert.equal((await store.users.byId(op.id))?.role, 'operator');

    assert.equal((await store.users.update(op.id, { role: 'admin' }, { actorId: admin.id }))?.role, 'admin');
    await store.users.update(op.id, { role: 'operator' }, { actorId: admin.id });
    await assert.rejects(store.users.update(admin.id, { role: 'viewer' }, { actorId: admin.id }), isConflictOn('role'), 'the last admin, acting on themself');
  });

  test('two processes: two admins demoting each other at once, the second is refused (ForbiddenError); one admin remains', async () => {
    const store = await open();
    const other = await openShared();
    const first = await addUser(store, 'first', 'admin');
    const second = await addUser(store, 'second', 'admin');
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled([
        store.users.update(second.id, { role: 'operator' }, { actorId: first.id }),
        other.users.update(first.id, { role: 'viewer' }, { actorId: second.id }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one change passes`);
      const refused = results.find((r) => r.status === 'rejected');
      assert.equal((refused?.reason as { code?: string } | undefined)?.code, 'LW_FORBIDDEN', `round ${round}: the demoted admin acts no more`);
      assert.equal((await activeAdmins(store)).length, 1);
      const demoted = (await store.users.list()).find((u) => u.role !== 'admin')!;
      await store.users.update(demoted.id, { role: 'admin' });
    }
  });

  test('two processes: demoting the two admins at once, without actor, leaves one (ConflictError for the other)', async () => {
    const store = await open();
    const other = await openShared();
    const first = await addUser(store, 'first', 'admin');
    const second = await addUser(store, 'second', 'admin');
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled([store.users.update(first.id, { disabled: true }), other.users.update(second.id, { role: 'operator' })]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one change passes`);
      const refused = results.find((r) => r.status === 'rejected');
      assert.equal((refused?.reason as { code?: string } | undefined)?.code, 'LW_CONFLICT', `round ${round}`);
      assert.equal((await activeAdmins(other)).length, 1);
      await store.users.update(first.id, { disabled: false });
      await store.users.update(second.id, { role: 'admin' });
    }
  });
});

const session = (idHash: string, userId: number, createdAt: number, lastSeenAt = createdAt): SessionRecord => ({
  idHash,
  userId,
  createdAt,
  lastSeenAt,
  ip: '10.0.0.1',
  userAgent: 'test',
});

eachEngine('sessions', ({ open }) => {
  test('create, get, touch (never backwards), delete', async () => {
    const store = await open();
    const u = await addUser(store, 'u', 'viewer');
    const s = session('a'.repeat(64), u.id, 1_000);
    await store.sessions.create(s);
    assert.deepEqual(await store.sessions.get(s.idHash), s);
    assert.equal(await store.sessions.get('b'.repeat(64)), undefined);

    await store.sessions.touch(s.idHash, 5_000);
    assert.equal((await store.sessions.get(s.idHash))?.lastSeenAt, 5_000);
    await store.sessions.touch(s.idHash, 3_000);
    assert.equal((await store.sessions.get(s.idHash))?.lastSeenAt, 5_000, 'a late touch does not move it back');
    await store.sessions.touch('unknown', 9_000);

    await store.sessions.delete(s.idHash);
    assert.equal(await store.sessions.get(s.idHash), undefined);
    await store.sessions.delete(s.idHash);
  });

  test('a session belongs to an existing user', async () => {
    const store = await open();
    await assert.rejects(store.sessions.create(session('x', 4242, 1)));
  });

  test('ofUser (last seen first) and deleteOfUser touch one user only', async () => {
    const store = await open();
    const u = await addUser(store, 'u', 'viewer');
    const v = await addUser(store, 'v', 'viewer');
    await store.sessions.create(session('u1', u.id, 1, 10));
    await store.sessions.create(session('u2', u.id, 2, 30));
    await store.sessions.create(session('u3', u.id, 3, 20));
    await store.sessions.create(session('v1', v.id, 4, 40));
    assert.deepEqual(
      (await store.sessions.ofUser(u.id)).map((s) => s.idHash),
      ['u2', 'u3', 'u1'],
    );
    await store.sessions.deleteOfUser(u.id);
    assert.deepEqual(await store.sessions.ofUser(u.id), []);
    assert.deepEqual(
      (await store.sessions.ofUser(v.id)).map((s) => s.idHash),
      ['v1'],
    );
  });

  test('deleteExpired removes sessions idle too long or too old, and says how many', async () => {
    const store = await open();
    const u = await addUser(store, 'u', 'viewer');
    await store.sessions.create(session('idle', u.id, 900, 100));
    await store.sessions.create(session('old', u.id, 50, 1_000));
    await store.sessions.create(session('fine', u.id, 900, 1_000));
    await store.sessions.create(session('edge', u.id, 200, 500));
    assert.equal(await store.sessions.deleteExpired(500, 200), 2);
    assert.deepEqual((await store.sessions.ofUser(u.id)).map((s) => s.idHash).sort(), ['edge', 'fine'], 'bounds are exclusive');
    assert.equal(await store.sessions.deleteExpired(500, 200), 0);
  });
});

const entry = (ts: number, fields: Partial<AuditEntry> = {}): AuditEntry => ({
  ts,
  username: 'u',
  ip: '10.0.0.1',
  action: 'test',
  target: null,
  result: 'ok',
  detail: null,
  ...fields,
});

eachEngine('audit', ({ open }) => {
  test('append then query: every field back, with an id, newest first', async () => {
    const store = await open();
    const full = entry(1_000, { username: 'olga', action: 'user.create', target: 'ivan', result: 'denied: rules', detail: 'role=admin' });
    await store.audit.append(full);
    await store.audit.append(entry(2_000, { username: null }));
    const rows = await store.audit.query({ limit: 10 });
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1], { ...full, id: rows[1]!.id });
    assert.equal(rows[0]?.username, null);
    assert.ok(rows[0]!.id! > rows[1]!.id!);
  });

  test('an append whose key is written already writes nothing (a retry, a replayed spool); the key is not read back', async () => {
    const store = await open();
    await store.audit.append(entry(1_000, { action: 'alarm.ack', key: 'k-1' }));
    await store.audit.append(entry(1_000, { action: 'alarm.ack', key: 'k-1' }));
    await store.audit.append(entry(2_000, { action: 'alarm.ack', key: 'k-2' }));
    await store.audit.append(entry(3_000, { action: 'login' }));
    await store.audit.append(entry(3_000, { action: 'login' }));
    const rows = await store.audit.query({ limit: 10 });
    assert.deepEqual(
      rows.map((r) => `${r.ts} ${r.action}`),
      ['3000 login', '3000 login', '2000 alarm.ack', '1000 alarm.ack'],
      'keyed rows once each; rows without a key every time',
    );
    assert.ok(rows.every((r) => !('key' in r) && !('write_key' in r)));
  });

  test('appends made together are written in the order they were made', async () => {
    const store = await open();
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.audit.append(entry(1_000, { action: `a${i}` }))));
    assert.deepEqual(
      (await store.audit.query({ limit: 100 })).map((r) => r.action).reverse(),
      Array.from({ length: 30 }, (_, i) => `a${i}`),
    );
  });

  test('filters: username, action, from and to (inclusive), limit; paging with before', async () => {
    const store = await open();
    for (let i = 0; i < 10; i++) await store.audit.append(entry(1_000 + i, { username: i % 2 ? 'odd' : 'even', action: i < 5 ? 'login' : 'logout' }));
    const ts = async (q: Parameters<Store['audit']['query']>[0]) => (await store.audit.query(q)).map((r) => r.ts - 1_000);
    assert.deepEqual(await ts({ username: 'odd', limit: 10 }), [9, 7, 5, 3, 1]);
    assert.deepEqual(await ts({ action: 'login', limit: 10 }), [4, 3, 2, 1, 0]);
    assert.deepEqual(await ts({ username: 'even', action: 'logout', limit: 10 }), [8, 6]);
    assert.deepEqual(await ts({ from: 1_003, to: 1_006, limit: 10 }), [6, 5, 4, 3]);
    assert.deepEqual(await ts({ limit: 3 }), [9, 8, 7]);
    assert.deepEqual(await ts({ username: 'nobody', limit: 10 }), []);

    const pages: number[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = await store.audit.query({ action: 'logout', limit: 2, before });
      if (page.length === 0) break;
      pages.push(page.map((r) => r.ts - 1_000));
      before = page.at(-1)!.id;
    }
    assert.deepEqual(pages, [[9, 8], [7, 6], [5]]);
  });

  test('prune deletes the oldest rows first, at most maxRows, and never a row younger than a day', async () => {
    const store = await open();
    const now = Date.now();
    for (let i = 0; i < 25; i++) await store.audit.append(entry(now - 400 * day + i));
    for (let i = 0; i < 5; i++) await store.audit.append(entry(now - 10 * day + i));
    await store.audit.append(entry(now - 2 * day));
    await store.audit.append(entry(now - day / 2));
    const count = async () => (await store.audit.query({ limit: 1000 })).length;

    assert.equal(await store.audit.prune(now - 365 * day, 10), 10);
    const oldest = (await store.audit.query({ limit: 1000 })).at(-1)!;
    assert.equal(oldest.ts, now - 400 * day + 10, 'the oldest went first');
    assert.equal(await store.audit.prune(now - 365 * day, 10), 10);
    assert.equal(await store.audit.prune(now - 365 * day, 10), 5);
    assert.equal(await store.audit.prune(now - 365 * day, 10), 0);
    assert.equal(await count(), 7);

    await assert.rejects(store.audit.prune(now, 100), /younger than a day/, 'a 12-hour-old row is in range: refused');
    assert.equal(await count(), 7, 'and nothing of it deleted');
    assert.equal(await store.audit.prune(now - 1.5 * day, 100), 6);
    await assert.rejects(store.audit.prune(now + 2 * day, 100), /younger than a day/);
    assert.equal(await count(), 1);
  });
});
