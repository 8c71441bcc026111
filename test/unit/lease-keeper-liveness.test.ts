/**
 * The lease keeper with liveness (issue 19: collecting through a database outage): leases in a
 * real SQLite store behind a switch that makes it unreachable for one keeper (as PostgreSQL
 * behind a dead link), liveness keys in an in-memory stand-in for Redis that expires them by
 * the clock the keepers use, reachable or not per keeper.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLeaseKeeper, type LeaseKeeper } from '../../server/collector/lease-keeper.ts';
import type { LivenessStore } from '../../server/collector/liveness.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { LeaseRepository, Store } from '../../server/storage/store.ts';
import { ownership } from '../helpers/lease-ownership.ts';

const resources = ['line:extrusion', 'line:filling', 'line:packaging'];
const TTL = 900;
const MARGIN = 300;
const clock = () => performance.now();
const stores: Store[] = [];
const dirs: string[] = [];
const keepers: LeaseKeeper[] = [];
after(async () => {
  for (const k of keepers) await k.stop().catch(() => {});
  for (const store of stores) await store.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-liveness-'));
  dirs.push(dir);
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  stores.push(store);
  return store;
}

/** `repo` as one keeper sees it: every call rejects while `down` (its link to the database is cut). */
function switchable<T extends object>(repo: T): { repo: T; down: boolean } {
  const link = { down: false, repo: undefined as unknown as T };
  link.repo = new Proxy(repo, {
    get:
      (target, name) =>
      (...args: unknown[]) =>
        link.down ? Promise.reject(new Error('connect ECONNREFUSED')) : (target[name as keyof T] as (...a: unknown[]) => unknown)(...args),
  });
  return link;
}

/**
 * Redis's part, in memory: keys (epoch, work list) with expiry by `clock`; one keyspace, seen
 * through per-keeper links; `flush()` loses every key (a restart), after which a missing key
 * counts as listing everything for a lease time (as the canary of redis-liveness.ts says).
 */
function livenessKeys() {
  const keys = new Map<string, { epoch: string; working: readonly string[]; expiresAt: number }>();
  let lostAt = Number.NEGATIVE_INFINITY;
  const live = (holder: string) => {
    const k = keys.get(holder);
    if (k && k.expiresAt <= clock()) keys.delete(holder);
    return keys.get(holder);
  };
  const store: LivenessStore = {
    async refresh(holder, expected, next, ttlMs, working) {
      const kept = expected !== undefined && live(holder)?.epoch === expected;
      keys.set(holder, { epoch: kept ? expected! : next, working: [...working], expiresAt: clock() + ttlMs });
      return kept;
    },
    async mayWorkOn(holder, resource, ttlMs) {
      const k = live(holder);
      return k ? k.working.includes(resource) : clock() - lostAt < ttlMs;
    },
    async remove(holder, epoch) {
      if (live(holder)?.epoch === epoch) keys.delete(holder);
    },
  };
  return {
    alive: (holder: string) => live(holder) !== undefined,
    flush() {
      keys.clear();
      lostAt = clock();
    },
    link: () => switchable(store),
  };
}

/** A keeper with its own links to the lease store and the liveness store. */
function keeper(store: Store, keys: ReturnType<typeof livenessKeys>, holder: string, own: ReturnType<typeof ownership>) {
  const db = switchable<LeaseRepository>(store.leases);
  const redis = keys.link();
  const k = createLeaseKeeper({
    leases: db.repo,
    liveness: redis.repo,
    holder,
    resources,
    ttlMs: TTL,
    marginMs: MARGIN,
    log: silentLogger(),
    ...own.callbacks(holder),
  });
  keepers.push(k);
  return { k, db, redis };
}

/** Keepers `a` and `b` on one store and one liveness store; `a` has taken every resource. */
async function twoHolders() {
  const store = await openStore();
  const keys = livenessKeys();
  const own = ownership();
  const a = keeper(store, keys, 'a', own);
  const b = keeper(store, keys, 'b', own);
  await a.k.tick();
  return { store, keys, own, a, b };
}

/** Ticks the keepers every 100 ms for `ms` (as their own loops would, a bit more often). */
async function run(ms: number, ...ks: LeaseKeeper[]): Promise<void> {
  const end = clock() + ms;
  while (clock() < end) {
    for (const k of ks) await k.tick();
    await sleep(100);
  }
}

test('the database cut off, liveness up: the holder keeps working for many lease times; nobody takes its resources; back, it renews or takes them again without starting anew', async () => {
  const { store, own, a, b } = await twoHolders();
  assert.equal(own.of('a').length, 3);
  const tokens = a.k.held();

  a.db.down = true;
  await run(4 * TTL, a.k, b.k);
  assert.equal(own.of('a').length, 3, `kept for 4 lease times: ${own.events.join(', ')}`);
  assert.equal(own.of('b').length, 0, 'b took nothing: a is alive');
  assert.equal((await store.leases.current()).filter((l) => l.resource.startsWith('line:')).length, 0, 'its leases lapsed in the store meanwhile');

  const eventsBefore = own.events.length;
  a.db.down = false;
  await a.k.tick();
  // b is counted again: a hands one resource over (stopped, then released); the rest goes on.
  assert.deepEqual(
    own.events.slice(eventsBefore).filter((e) => !e.endsWith(':rebalanced')),
    [],
    'no stop but a hand-over, no new start',
  );
  assert.equal(a.k.held().size, 2);
  for (const [resource, token] of a.k.held()) assert.ok(token > tokens.get(resource)!, `${resource}: taken again with a new token`);
  assert.deepEqual(
    (await store.leases.current()).filter((l) => l.resource.startsWith('line:')).map((l) => [l.resource, l.holder, l.token]),
    [...a.k.held()].map(([resource, token]) => [resource, 'a', token]).sort(),
  );
  // The next round renews (same tokens); a fair share goes to b by hand-over, not by take-over.
  const renewed = a.k.held();
  await a.k.tick();
  assert.deepEqual(a.k.held(), renewed);
  await b.k.tick();
  assert.equal(own.of('b').length, 1, 'b got its share once a was counted again');
  const settled = own.events.length;
  await run(500, a.k, b.k);
  assert.equal(own.events.length, settled, 'nothing flaps');
  assert.deepEqual(own.violations, []);
  await a.k.stop();
  await b.k.stop();
});

test('the database and liveness both cut off: the holder stops by its deadline; another takes over only after', async () => {
  const { keys, own, a, b } = await twoHolders();
  assert.equal(own.of('a').length, 3);
  const cutAt = clock();
  a.db.down = true;
  a.redis.down = true;
  let lostAt: number | undefined;
  let takenAt: number | undefined;
  while (takenAt === undefined) {
    await a.k.tick();
    await b.k.tick();
    if (lostAt === undefined && own.of('a').length === 0) lostAt = clock();
    if (own.of('b').length === 3) takenAt = clock();
    assert.ok(clock() - cutAt < 5 * TTL, `taken over within a few lease times: ${own.events.join(', ')}`);
    await sleep(50);
  }
  assert.ok(lostAt !== undefined && lostAt - cutAt <= TTL - MARGIN + 150, `stopped ${lostAt! - cutAt} ms after the cut`);
  assert.ok(own.events.filter((e) => e.endsWith(':unconfirmed')).length === 3);
  assert.ok(!keys.alive('a'), 'its liveness key expired before b took over');
  assert.deepEqual(own.violations, []);
  await b.k.stop();
});

test('a holder that died: its resources are taken once its leases lapsed and its liveness key expired, not before', async () => {
  const { own, a, b } = await twoHolders();
  // First only the database link fails (leases lapse, the key lives), then the process dies.
  a.db.down = true;
  await run(1.5 * TTL, a.k, b.k);
  assert.equal(own.of('b').length, 0);
  const lastRefresh = clock();
  await a.k.tick();
  // Dead: no more rounds (its deadline timer, the last thing a stalled process would run, stops the work).
  while (own.of('b').length < 3) {
    await b.k.tick();
    assert.ok(clock() - lastRefresh < 3 * TTL, `taken over within a few lease times: ${own.events.join(', ')}`);
    await sleep(50);
  }
  assert.ok(clock() - lastRefresh >= TTL, `not before its key expired (${(clock() - lastRefresh).toFixed(0)} ms after its last refresh)`);
  assert.deepEqual(own.violations, []);
  await b.k.stop();
});

test('liveness unreachable for the taker: lapsed leases of others wait (it cannot tell whether their holder works on), free ones move', async () => {
  const { keys, own, a, b } = await twoHolders();
  // a dies outright: its leases lapse, its key expires.
  a.db.down = true;
  a.redis.down = true;
  b.redis.down = true;
  await run(2 * TTL, b.k);
  assert.equal(own.of('a').length, 0, 'a stopped by its deadline');
  assert.ok(!keys.alive('a'));
  assert.equal(own.of('b').length, 0, 'b cannot check a: takes nothing');
  b.redis.down = false;
  await b.k.tick();
  assert.equal(own.of('b').length, 3, 'able to check again: a is gone, b takes all');
  assert.deepEqual(own.violations, []);
  await b.k.stop();
});

test('its lease taken meanwhile (by a holder that does not ask liveness): back, the holder stops at once', async () => {
  const store = await openStore();
  const keys = livenessKeys();
  const own = ownership();
  const a = keeper(store, keys, 'a', own);
  await a.k.tick();
  a.db.down = true;
  await run(1.5 * TTL, a.k);
  assert.equal(own.of('a').length, 3);
  const lapsed = (await store.leases.ended()).find((l) => l.resource.startsWith('line:'));
  const stolen = await store.leases.acquire(lapsed!.resource, 'rogue', 60_000, lapsed!.token);
  assert.ok(stolen);
  a.db.down = false;
  await a.k.tick();
  assert.ok(own.events.includes(`a-${lapsed!.resource}:taken`), own.events.join(', '));
  assert.equal(own.of('a').length, 2);
  await a.k.stop();
});

test('a clean stop while the database is away deletes the liveness key: its resources move as soon as their leases lapse', async () => {
  const { keys, own, a, b } = await twoHolders();
  a.db.down = true;
  await run(1.5 * TTL, a.k, b.k);
  assert.equal(own.of('b').length, 0);
  await a.k.stop();
  assert.ok(!keys.alive('a'), 'key deleted');
  assert.equal(own.of('a').length, 0);
  await b.k.tick();
  assert.equal(own.of('b').length, 3, 'taken at once: the leases had lapsed already');
  assert.deepEqual(own.violations, []);
  await b.k.stop();
});

test('liveness keys lost (Redis restarted empty) while the database is away: the holder stops, its new key vouching for nothing it held across the loss; others take over once its key says so', async () => {
  const { keys, own, a, b } = await twoHolders();
  a.db.down = true;
  await run(1.5 * TTL, a.k, b.k);
  assert.equal(own.of('a').length, 3);
  keys.flush();
  await b.k.tick();
  assert.equal(own.of('b').length, 0, 'no key, but keys were lost lately: b waits');
  // a's next refresh makes a new key, which vouches for nothing it held across the loss: it
  // stops, its key says so, and b takes over.
  await a.k.tick();
  assert.equal(own.of('a').length, 0, `a stopped: ${own.events.join(', ')}`);
  await a.k.tick();
  await b.k.tick();
  assert.equal(own.of('b').length, 3);
  await run(2 * TTL, a.k, b.k);
  assert.equal(own.of('a').length, 0, 'a stays stopped while the database is away');
  assert.deepEqual(own.violations, []);
  await a.k.stop();
  await b.k.stop();
});

test('a holder working on without the database keeps what it works on; what it stopped (its key says so) moves to another', async () => {
  const { own, a, b } = await twoHolders();
  a.db.down = true;
  await run(1.5 * TTL, a.k, b.k);
  // Its database link still down, a stops one line for good (a plant change removed it here).
  const [dropped] = [...a.k.held().keys()];
  await a.k.setResources(resources.filter((r) => r !== dropped));
  await run(TTL, a.k, b.k);
  assert.deepEqual(own.of('b'), [dropped], `b took only what a no longer works on: ${own.events.join(', ')}`);
  assert.equal(own.of('a').length, 2);
  assert.deepEqual(own.violations, []);
});
