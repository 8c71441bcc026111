import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AlarmPriority } from '../../lib/alarms/alarm-types.ts';
import { createPushSubscriptions, subscribeProblem, wants } from '../../server/push/push-subscriptions.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { browserKeys } from '../helpers/push-service.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { silentLogger } from '../../server/log/logger.ts';

test('wants: the device’s lines (all when null) and its minimum priority', () => {
  const table: [string[] | null, AlarmPriority, { line: string; priority: AlarmPriority }, boolean][] = [
    [null, 'low', { line: 'filling', priority: 'low' }, true],
    [null, 'high', { line: 'filling', priority: 'medium' }, false],
    [null, 'high', { line: 'filling', priority: 'high' }, true],
    [null, 'high', { line: 'filling', priority: 'critical' }, true],
    [['filling'], 'low', { line: 'filling', priority: 'low' }, true],
    [['filling'], 'low', { line: 'packaging', priority: 'critical' }, false],
    [[], 'low', { line: 'filling', priority: 'critical' }, false],
  ];
  for (const [lines, minPriority, alarm, expected] of table)
    assert.equal(wants({ lines, minPriority }, alarm), expected, JSON.stringify({ lines, minPriority, alarm }));
});

test('subscribe problems name the field: endpoint policy first, then unknown lines', () => {
  const lineIds = new Set(['filling', 'packaging']);
  const table: [string, string[] | null, boolean, { field: string; message: string } | null][] = [
    ['https://fcm.googleapis.com/fcm/send/x', null, false, null],
    [
      'https://push.example.com/x',
      null,
      false,
      { field: 'subscription.endpoint', message: 'subscription.endpoint must be a push service this server sends to (push.example.com is not one)' },
    ],
    ['https://fcm.googleapis.com/fcm/send/x', ['filling', 'packaging'], false, null],
    ['http://127.0.0.1:9/x', null, true, null],
    ['http://127.0.0.1:9/x', null, false, { field: 'subscription.endpoint', message: 'subscription.endpoint must be an https: URL' }],
    ['https://10.1.2.3/x', ['nope'], false, { field: 'subscription.endpoint', message: 'subscription.endpoint must be a public push service' }],
    ['https://fcm.googleapis.com/fcm/send/x', ['filling', 'nope'], false, { field: 'preferences.lines[1]', message: 'no line "nope"' }],
  ];
  for (const [endpoint, lines, allow, expected] of table)
    assert.deepEqual(subscribeProblem({ endpoint, lines }, lineIds, { allowLoopbackHttp: allow }), expected, `${endpoint} ${lines}`);
});

test('the audience: devices of enabled owners, operators may acknowledge; a gone device is deleted once, logged and counted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-push-subs-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const operator = await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  const viewer = await store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  const leaver = await store.users.create({ username: 'gone', passwordHash: 'x', role: 'operator' });
  const { log, lines: logs } = captureLog();
  const subscriptions = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(['filling']), log, now: () => 42 });
  const add = (userId: number, name: string) =>
    subscriptions.subscribe(userId, {
      endpoint: `https://fcm.googleapis.com/fcm/send/${name}`,
      keys: browserKeys(),
      lines: ['filling', 'filling'],
      minPriority: 'low',
      userAgent: 'u'.repeat(300),
    });

  const phone = await add(operator.id, 'phone');
  await add(viewer.id, 'tablet');
  await add(leaver.id, 'laptop');
  await store.users.update(leaver.id, { disabled: true });
  assert.deepEqual(phone.lines, ['filling'], 'lines deduplicated');
  assert.equal(phone.userAgent.length, 200);
  assert.equal(phone.createdAt, 42);
  assert.deepEqual(
    (await subscriptions.audience()).map((r) => [r.sub.endpoint, r.canAck]),
    [
      ['https://fcm.googleapis.com/fcm/send/phone', true],
      ['https://fcm.googleapis.com/fcm/send/tablet', false],
    ],
  );

  subscriptions.remove(phone.id, 'push service answered 410');
  subscriptions.remove(phone.id, 'push service answered 410');
  assert.equal(subscriptions.removed(), 1);
  assert.deepEqual(logs, [`info push subscription deleted {"subscription":${phone.id},"userId":${operator.id},"reason":"push service answered 410"}`]);
  assert.equal(await store.push.byEndpoint(phone.endpoint), undefined);
  assert.equal(subscriptions.size(), 2);

  const again = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(['filling']), log: silentLogger() });
  await again.load();
  assert.deepEqual(
    again.list(viewer.id).map((s) => s.endpoint),
    ['https://fcm.googleapis.com/fcm/send/tablet'],
    'loaded from the store',
  );
  await assert.rejects(
    () => again.unsubscribe(operator.id, 'https://fcm.googleapis.com/fcm/send/tablet'),
    (e: Error & { status?: number; field?: string }) => e.status === 404 && e.field === 'endpoint',
  );
});

test('another user’s endpoint is refused (409 naming subscription.endpoint) and stays theirs, keys and all (issue 17)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-push-subs-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const victim = await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  const thief = await store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  const subscriptions = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(['filling']), log: silentLogger() });
  const endpoint = 'https://fcm.googleapis.com/fcm/send/victim-phone';
  const keys = browserKeys();
  const mine = await subscriptions.subscribe(victim.id, { endpoint, keys, lines: null, minPriority: 'high', userAgent: 'phone', session: 'victim-session' });

  await assert.rejects(
    () => subscriptions.subscribe(thief.id, { endpoint, keys: browserKeys(), lines: null, minPriority: 'low', userAgent: 'thief', session: 'thief-session' }),
    (e: Error & { status?: number; field?: string }) => e.status === 409 && e.field === 'subscription.endpoint',
  );
  const stored = (await store.push.byEndpoint(endpoint))!;
  assert.equal(stored.userId, victim.id);
  assert.deepEqual([stored.p256dh, stored.auth, stored.session, stored.userAgent], [keys.p256dh, keys.auth, 'victim-session', 'phone']);
  assert.deepEqual(
    subscriptions.list(victim.id).map((s) => s.id),
    [mine.id],
  );
  assert.deepEqual(subscriptions.list(thief.id), []);

  // The owner re-subscribing the same device updates it in place.
  const again = await subscriptions.subscribe(victim.id, {
    endpoint,
    keys: browserKeys(),
    lines: ['filling'],
    minPriority: 'low',
    userAgent: 'phone',
    session: 's2',
  });
  assert.equal(again.id, mine.id);
  assert.deepEqual(again.lines, ['filling']);

  // And the store on its own never re-owns a row, whoever calls it.
  const row = await store.push.upsert({ ...stored, userId: thief.id, p256dh: 'x', auth: 'y', session: 'thief-session' }, 99);
  assert.equal(row.userId, victim.id);
  assert.notEqual(row.p256dh, 'x');
});

test('at most maxPerUser devices per user: one more is refused (409 naming subscription.endpoint); updates and other users are not affected', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-push-subs-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const viewer = await store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  const operator = await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  const subscriptions = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(['filling']), log: silentLogger() });
  const add = (userId: number, name: string) =>
    subscriptions.subscribe(userId, {
      endpoint: `https://fcm.googleapis.com/fcm/send/${name}`,
      keys: browserKeys(),
      lines: null,
      minPriority: 'low',
      userAgent: 'u',
    });
  for (let i = 0; i < 10; i++) await add(viewer.id, `d${i}`);
  await assert.rejects(
    () => add(viewer.id, 'd10'),
    (e: Error & { status?: number; field?: string }) => e.status === 409 && e.field === 'subscription.endpoint' && /10 devices/.test(e.message),
  );
  await add(viewer.id, 'd3');
  await add(operator.id, 'phone');
  assert.equal(subscriptions.list(viewer.id).length, 10);
  assert.equal((await store.push.all()).length, 11);

  const one = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(), log: silentLogger() }, { maxPerUser: 1 });
  await one.load();
  await assert.rejects(
    () =>
      one.subscribe(operator.id, { endpoint: 'https://fcm.googleapis.com/fcm/send/p2', keys: browserKeys(), lines: null, minPriority: 'low', userAgent: '' }),
    {
      name: 'ConflictError',
    },
  );
  await one.unsubscribe(operator.id, 'https://fcm.googleapis.com/fcm/send/phone');
  await one.subscribe(operator.id, { endpoint: 'https://fcm.googleapis.com/fcm/send/p2', keys: browserKeys(), lines: null, minPriority: 'low', userAgent: '' });
});
