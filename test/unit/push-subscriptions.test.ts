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
    ['https://push.example.com/x', null, false, null],
    ['https://push.example.com/x', ['filling', 'packaging'], false, null],
    ['http://127.0.0.1:9/x', null, true, null],
    ['http://127.0.0.1:9/x', null, false, { field: 'subscription.endpoint', message: 'subscription.endpoint must be an https: URL' }],
    ['https://10.1.2.3/x', ['nope'], false, { field: 'subscription.endpoint', message: 'subscription.endpoint must be a public push service' }],
    ['https://push.example.com/x', ['filling', 'nope'], false, { field: 'preferences.lines[1]', message: 'no line "nope"' }],
  ];
  for (const [endpoint, lines, allow, expected] of table)
    assert.deepEqual(subscribeProblem({ endpoint, lines }, lineIds, allow), expected, `${endpoint} ${lines}`);
});

test('the audience: devices of enabled owners, operators may acknowledge; a gone device is deleted once, logged and counted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-push-subs-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  t.after(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const operator = store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  const viewer = store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  const leaver = store.users.create({ username: 'gone', passwordHash: 'x', role: 'admin' });
  const { log, lines: logs } = captureLog();
  const subscriptions = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(['filling']), log, now: () => 42 });
  const add = (userId: number, name: string) =>
    subscriptions.subscribe(userId, {
      endpoint: `https://push.example.com/${name}`,
      keys: browserKeys(),
      lines: ['filling', 'filling'],
      minPriority: 'low',
      userAgent: 'u'.repeat(300),
    });

  const phone = add(operator.id, 'phone');
  add(viewer.id, 'tablet');
  add(leaver.id, 'laptop');
  store.users.update(leaver.id, { disabled: true });
  assert.deepEqual(phone.lines, ['filling'], 'lines deduplicated');
  assert.equal(phone.userAgent.length, 200);
  assert.equal(phone.createdAt, 42);
  assert.deepEqual(
    subscriptions.audience().map((r) => [r.sub.endpoint, r.canAck]),
    [
      ['https://push.example.com/phone', true],
      ['https://push.example.com/tablet', false],
    ],
  );

  subscriptions.remove(phone.id, 'push service answered 410');
  subscriptions.remove(phone.id, 'push service answered 410');
  assert.equal(subscriptions.removed(), 1);
  assert.deepEqual(logs, [`info push subscription deleted {"subscription":${phone.id},"userId":${operator.id},"reason":"push service answered 410"}`]);
  assert.equal(store.push.byEndpoint(phone.endpoint), undefined);
  assert.equal(subscriptions.size(), 2);

  const again = createPushSubscriptions({ repo: store.push, users: store.users, lineIds: new Set(['filling']), log: silentLogger() });
  again.load();
  assert.deepEqual(
    again.list(viewer.id).map((s) => s.endpoint),
    ['https://push.example.com/tablet'],
    'loaded from the store',
  );
  assert.throws(
    () => again.unsubscribe(operator.id, 'https://push.example.com/tablet'),
    (e: Error & { status?: number; field?: string }) => e.status === 404 && e.field === 'endpoint',
  );
});
