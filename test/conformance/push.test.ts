import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushSubscriptionRecord, Store } from '../../server/storage/store.ts';
import { eachEngine } from './engines.ts';

type NewSubscription = Parameters<Store['push']['upsert']>[0];

const subscription = (userId: number, endpoint: string, fields: Partial<NewSubscription> = {}): NewSubscription => ({
  userId,
  endpoint,
  p256dh: 'BPublicKeyOfTheBrowser',
  auth: 'authSecret',
  lines: null,
  minPriority: 'high',
  userAgent: 'phone',
  session: 'session-1',
  ...fields,
});

async function twoUsers(store: Store) {
  const owner = await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  const other = await store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  return { owner, other };
}

eachEngine('push subscriptions', ({ open }) => {
  test('upsert inserts: every field back; byEndpoint and all (oldest first)', async () => {
    const store = await open();
    const { owner, other } = await twoUsers(store);
    const phone = await store.push.upsert(subscription(owner.id, 'https://push.example/phone'), 100);
    assert.equal(typeof phone.id, 'number');
    assert.deepEqual(phone, {
      id: phone.id,
      userId: owner.id,
      endpoint: 'https://push.example/phone',
      p256dh: 'BPublicKeyOfTheBrowser',
      auth: 'authSecret',
      lines: null,
      minPriority: 'high',
      userAgent: 'phone',
      createdAt: 100,
      updatedAt: 100,
      lastSuccessAt: null,
      lastError: null,
      session: 'session-1',
    } satisfies PushSubscriptionRecord);
    const tablet = await store.push.upsert(
      subscription(other.id, 'https://push.example/tablet', { lines: ['filling', 'extrusion'], minPriority: 'low', session: null }),
      200,
    );
    assert.deepEqual(tablet.lines, ['filling', 'extrusion']);
    assert.equal(tablet.session, null);

    assert.deepEqual(await store.push.byEndpoint(phone.endpoint), phone);
    assert.equal(await store.push.byEndpoint('https://push.example/unknown'), undefined);
    assert.deepEqual(await store.push.all(), [phone, tablet]);
  });

  test('upsert of a known endpoint by its owner replaces keys and preferences in place, clearing the last error', async () => {
    const store = await open();
    const { owner } = await twoUsers(store);
    const first = await store.push.upsert(subscription(owner.id, 'https://push.example/phone'), 100);
    await store.push.recordResult(first.id, { at: 150, error: null });
    await store.push.recordResult(first.id, { at: 160, error: '410 Gone' });
    const again = await store.push.upsert(
      subscription(owner.id, first.endpoint, {
        p256dh: 'BNewKey',
        auth: 'newAuth',
        lines: ['filling'],
        minPriority: 'critical',
        userAgent: 'phone 2',
        session: 'session-2',
      }),
      300,
    );
    assert.deepEqual(again, {
      ...first,
      p256dh: 'BNewKey',
      auth: 'newAuth',
      lines: ['filling'],
      minPriority: 'critical',
      userAgent: 'phone 2',
      session: 'session-2',
      updatedAt: 300,
      lastSuccessAt: 150,
      lastError: null,
    });
    assert.equal((await store.push.all()).length, 1);
  });

  test("upsert never re-owns another user's endpoint: the stored row comes back unchanged", async () => {
    const store = await open();
    const { owner, other } = await twoUsers(store);
    const mine = await store.push.upsert(subscription(owner.id, 'https://push.example/phone'), 100);
    const theirs = await store.push.upsert(subscription(other.id, mine.endpoint, { p256dh: 'x', auth: 'y', session: 'thief', lines: [] }), 200);
    assert.deepEqual(theirs, mine);
    assert.deepEqual(await store.push.byEndpoint(mine.endpoint), mine);
  });

  test('a subscription belongs to an existing user', async () => {
    const store = await open();
    await assert.rejects(store.push.upsert(subscription(4242, 'https://push.example/phone'), 1));
  });

  test('delete says whether a row went', async () => {
    const store = await open();
    const { owner } = await twoUsers(store);
    const sub = await store.push.upsert(subscription(owner.id, 'https://push.example/phone'), 100);
    assert.equal(await store.push.delete(sub.id), true);
    assert.equal(await store.push.delete(sub.id), false);
    assert.deepEqual(await store.push.all(), []);
  });

  test('recordResult: a success sets lastSuccessAt and clears the error; a failure keeps the last success, its text cut to 300', async () => {
    const store = await open();
    const { owner } = await twoUsers(store);
    const sub = await store.push.upsert(subscription(owner.id, 'https://push.example/phone'), 100);
    await store.push.recordResult(sub.id, { at: 200, error: null });
    await store.push.recordResult(sub.id, { at: 300, error: `503 ${'x'.repeat(500)}` });
    const failed = (await store.push.byEndpoint(sub.endpoint))!;
    assert.equal(failed.lastSuccessAt, 200);
    assert.equal(failed.lastError?.length, 300);
    assert.ok(failed.lastError?.startsWith('503 x'));
    assert.equal(failed.updatedAt, 100, 'a result is no change of the subscription');
    await store.push.recordResult(sub.id, { at: 400, error: null });
    const ok = (await store.push.byEndpoint(sub.endpoint))!;
    assert.deepEqual([ok.lastSuccessAt, ok.lastError], [400, null]);
    await store.push.recordResult(sub.id + 1000, { at: 500, error: null });
  });
});

eachEngine('push VAPID keys', ({ open }) => {
  test('none at first; the first pair kept wins, later ones get it back (processes starting together sign alike)', async () => {
    const store = await open();
    assert.equal(await store.push.vapidKeys(), undefined);
    const keys = { publicKey: 'BPublic', privateKey: 'private', createdAt: 1_000 };
    assert.deepEqual(await store.push.keepVapidKeys(keys), keys);
    assert.deepEqual(await store.push.vapidKeys(), keys);
    const next = { publicKey: 'BPublic2', privateKey: 'private2', createdAt: 2_000 };
    assert.deepEqual(await store.push.keepVapidKeys(next), keys, 'the stored pair, not the new one');
    assert.deepEqual(await store.push.vapidKeys(), keys);
  });
});
