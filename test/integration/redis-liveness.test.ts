/** Collectors' liveness keys on a real Redis (server/collector/redis-liveness.ts). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { openRedisLiveness, type RedisLiveness } from '../../server/collector/redis-liveness.ts';
import { silentLogger } from '../../server/log/logger.ts';

const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
let liveness: RedisLiveness;
let raw: Redis;

before(async () => {
  liveness = await openRedisLiveness({ url: redisUrl, keyPrefix, log: silentLogger() });
  raw = new Redis(redisUrl);
});
after(async () => {
  const keys = await raw.keys(`${keyPrefix}*`);
  if (keys.length > 0) await raw.del(...keys);
  await liveness?.close();
  raw?.disconnect();
});

test('a key kept by its epoch, listing the work; another epoch or a lapse starts anew; removed only by its epoch', async () => {
  assert.equal(await liveness.refresh('c1', undefined, 'e1', 300, ['line:a', 'line:b']), false, 'new');
  assert.equal(await liveness.refresh('c1', 'e1', 'e2', 300, ['line:a']), true, 'kept');
  const ttl = await raw.pttl(`${keyPrefix}alive:c1`);
  assert.ok(ttl > 200 && ttl <= 300, `expires by the ttl: ${ttl}`);
  assert.equal(await liveness.mayWorkOn('c1', 'line:a', 300), true);
  assert.equal(await liveness.mayWorkOn('c1', 'line:b', 300), false, 'no longer listed');
  assert.equal(await liveness.refresh('c1', 'e0', 'e3', 300, []), false, 'another epoch: starts anew');
  assert.equal(await liveness.refresh('c1', 'e1', 'e4', 300, []), false, 'e1 is over for good');
  await sleep(400);
  assert.equal(await liveness.refresh('c1', 'e4', 'e5', 300, ['line:a']), false, 'lapsed: starts anew');
  await liveness.remove('c1', 'e4');
  assert.equal(await liveness.mayWorkOn('c1', 'line:a', 300), true, 'not its epoch: kept');
  await liveness.remove('c1', 'e5');
  assert.equal(await liveness.mayWorkOn('c1', 'line:a', 300), false, 'gone');
});

test('keys lost (the canary gone, or another server): a missing key counts as working on everything for a lease time', async () => {
  await liveness.refresh('c2', undefined, 'e1', 300, ['line:a']);
  await raw.del(`${keyPrefix}alive`, `${keyPrefix}alive:c2`);
  assert.equal(await liveness.mayWorkOn('c2', 'line:a', 300), true, 'lost lately: it may be working');
  assert.equal(await liveness.mayWorkOn('c2', 'line:z', 300), true);
  await sleep(350);
  assert.equal(await liveness.mayWorkOn('c2', 'line:a', 300), false, 'a lease time later: gone');
  // A restart (another run id) resets the canary too.
  const [, since] = (await raw.get(`${keyPrefix}alive`))!.split(' ');
  await raw.set(`${keyPrefix}alive`, `another-server ${since}`);
  assert.equal(await liveness.mayWorkOn('c2', 'line:a', 300), true);
});
