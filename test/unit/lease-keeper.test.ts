import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLeaseKeeper, type LeaseKeeperOptions } from '../../server/collector/lease-keeper.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { LeaseRepository, Store } from '../../server/storage/store.ts';
import { ownership } from '../helpers/lease-ownership.ts';

const resources = ['conn:extrusion-plc', 'conn:filling-plc', 'conn:packaging-plc'];
const stores: Store[] = [];
const dirs: string[] = [];
after(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-leases-'));
  dirs.push(dir);
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  stores.push(store);
  return store;
}

const keeper = (leases: LeaseRepository, holder: string, own: ReturnType<typeof ownership>, options: Partial<LeaseKeeperOptions> = {}) =>
  createLeaseKeeper({ leases, holder, resources, ttlMs: 1500, log: silentLogger(), ...own.callbacks(holder), ...options });

test('one collector takes every resource; a second gets a fair share, nothing flaps, and nothing ever has two owners', async () => {
  const store = await openStore();
  const own = ownership();
  const a = keeper(store.leases, 'a', own);
  const b = keeper(store.leases, 'b', own);
  await a.tick();
  assert.equal(own.of('a').length, 3, 'alone, it takes all');
  await b.tick();
  assert.equal(own.of('b').length, 0, 'nothing free yet');
  await a.tick();
  assert.equal(own.of('a').length, 2, 'a gives one up for the newcomer');
  await b.tick();
  assert.equal(own.of('b').length, 1);
  const settled = own.events.length;
  for (let i = 0; i < 5; i++) {
    await a.tick();
    await b.tick();
  }
  assert.equal(own.events.length, settled, `no change once shared: ${own.events.slice(settled).join(', ')}`);
  assert.deepEqual(new Set([...a.held().keys(), ...b.held().keys()]), new Set(resources));
  await a.stop();
  await b.stop();
  assert.deepEqual(own.violations, []);
});

test('a collector cut off from the store stops before its leases can expire; another takes them only after', async () => {
  const store = await openStore();
  const own = ownership();
  let reachable = true;
  // The same repository, unreachable on demand (as PostgreSQL behind a dead link).
  const cutOff = new Proxy(store.leases, {
    get:
      (target, name) =>
      (...args: unknown[]) =>
        reachable ? (target[name as keyof LeaseRepository] as (...a: unknown[]) => unknown)(...args) : Promise.reject(new Error('connection refused')),
  }) as LeaseRepository;
  const a = keeper(cutOff, 'a', own, { ttlMs: 600, marginMs: 200 });
  const b = keeper(store.leases, 'b', own, { ttlMs: 600, marginMs: 200 });
  await a.tick();
  assert.equal(own.of('a').length, 3);
  const expiresAt = Math.min(...(await store.leases.current()).filter((l) => l.holder === 'a' && l.resource.startsWith('conn:')).map((l) => l.expiresAt));

  reachable = false;
  await a.tick();
  assert.equal(own.of('a').length, 3, 'kept while its leases surely run');
  const lost = new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      if (own.of('a').length === 0) {
        clearInterval(poll);
        resolve(Date.now());
      }
    }, 2);
  });
  const lostAt = await lost;
  assert.ok(lostAt < expiresAt, `stopped ${expiresAt - lostAt} ms before its leases expired in the store`);
  assert.ok(own.events.filter((e) => e.endsWith(':unconfirmed')).length === 3);

  await b.tick();
  if (Date.now() < expiresAt - 50) assert.equal(own.of('b').length, 0, 'b takes nothing before the leases expire');
  while (own.of('b').length < 3) {
    await new Promise((r) => setTimeout(r, 50));
    await b.tick();
  }
  assert.ok(Date.now() - lostAt < 2000, 'moved within a lease time');
  await b.stop();
  assert.deepEqual(own.violations, []);
});

test('stop lets go at once: another collector takes everything without waiting for expiry', async () => {
  const store = await openStore();
  const own = ownership();
  const a = keeper(store.leases, 'a', own, { ttlMs: 60_000 });
  const b = keeper(store.leases, 'b', own, { ttlMs: 60_000 });
  await a.tick();
  await b.tick();
  await a.tick();
  assert.equal(own.of('a').length, 2);
  await a.stop();
  assert.equal(own.of('a').length, 0);
  assert.equal(own.events.filter((e) => e.startsWith('a-') && e.endsWith(':stopping')).length, 2);
  await b.tick();
  assert.equal(own.of('b').length, 3, 'its membership gone, the share is everything');
  await b.stop();
  assert.deepEqual(own.violations, []);
});

test('started, it keeps renewing by itself: leases outlive their ttl', async () => {
  const store = await openStore();
  const own = ownership();
  const a = keeper(store.leases, 'a', own, { ttlMs: 300 });
  a.start();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(own.of('a').length, 3, `held for 3 ttl: ${own.events.join(', ')}`);
  assert.equal(own.events.length, 3, 'taken once, never lost');
  await a.stop();
});
