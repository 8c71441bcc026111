import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { EventPayloads, HubEvent } from '../../lib/types.ts';
import { compareEventIds } from '../../server/bus/event-id.ts';
import { createInProcessBus } from '../../server/bus/in-process-bus.ts';
import { BusNoOwnerError, BusTimeoutError, BusUnavailableError, CommandError, type LiveBus } from '../../server/bus/live-bus.ts';
import { openRedisBus } from '../../server/bus/redis-bus.ts';
import { createLogger } from '../../server/log/logger.ts';
import { ValidationError } from '../../lib/errors.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

/** Redis for the tests (127.0.0.1:6379; .ci/run starts it). */
const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger({ level: 'silent' });

interface BusOptions {
  replayMs?: number;
}

interface BusUnderTest {
  readonly name: 'in-process' | 'redis';
  /** A new bus, closed after the test. */
  open(options?: BusOptions): Promise<LiveBus>;
  /** Another instance on the bus of the last `open()` (another host's; in-process, the bus itself). */
  peer(options?: BusOptions): Promise<LiveBus>;
}

function inProcess(): BusUnderTest & { cleanUp(): Promise<void> } {
  let last: LiveBus | undefined;
  const open: LiveBus[] = [];
  return {
    name: 'in-process',
    async open(options = {}) {
      last = createInProcessBus(options);
      open.push(last);
      return last;
    },
    peer: async () => last!,
    async cleanUp() {
      for (const bus of open.splice(0)) await bus.close();
    },
  };
}

function redis(): BusUnderTest & { cleanUp(): Promise<void> } {
  let prefix = '';
  const open: LiveBus[] = [];
  const connect = async (options: BusOptions) => {
    const bus = await openRedisBus({ url: redisUrl, log, keyPrefix: prefix, blockMs: 500, ...options });
    open.push(bus);
    return bus;
  };
  return {
    name: 'redis',
    open(options = {}) {
      prefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
      return connect(options);
    },
    peer: (options = {}) => connect(options),
    async cleanUp() {
      for (const bus of open.splice(0)) await bus.close();
      const client = new Redis(redisUrl);
      const keys = await client.keys('lw-test:*');
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    },
  };
}

const sample = (line: string, value: number): EventPayloads['sample'] => ({
  line,
  readAt: 1_700_000_000_000 + value,
  samples: [{ tag: `${line}.x`, ts: 1_700_000_000_000 + value, value, quality: 'good' }],
});

/** Events received by `bus` until `n` arrived. */
function collect(bus: LiveBus, n: number): { events: HubEvent[]; done: Promise<HubEvent[]> } {
  const events: HubEvent[] = [];
  let off = () => {};
  const done = new Promise<HubEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${events.length} of ${n} events within 5 s`)), 5000);
    off = bus.subscribe((e) => {
      events.push(e);
      if (events.length === n) {
        clearTimeout(timer);
        resolve(events);
      }
    });
  }).finally(() => off());
  return { events, done };
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

for (const bus of [inProcess(), redis()]) {
  describe(`live bus [${bus.name}]`, () => {
    afterEach(() => bus.cleanUp());

    test('events reach every instance in publish order, with the ids publish gave', async () => {
      const a = await bus.open();
      const b = await bus.peer();
      const onA = collect(a, 20);
      const onB = collect(b, 20);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await a.publish('sample', sample('l1', i)));
      for (let i = 1; i < ids.length; i++) assert.ok(compareEventIds(ids[i]!, ids[i - 1]!) > 0, 'ids increase');
      for (const received of [await onA.done, await onB.done]) {
        assert.deepEqual(
          received.map((e) => e.id),
          ids,
        );
        assert.deepEqual(received[7]!.data, sample('l1', 7), 'the data as published');
      }
      assert.equal(a.lastId(), ids.at(-1));
      assert.equal(b.lastId(), ids.at(-1));
    });

    test('since() replays exactly what came after an id, on any instance', async () => {
      const a = await bus.open();
      const received = collect(a, 10);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await a.publish(i % 2 ? 'sample' : 'job', i % 2 ? sample('l1', i) : ({ id: i } as EventPayloads['job'])));
      await received.done;
      const later = await bus.peer();
      for (const instance of [a, later]) {
        assert.deepEqual(
          instance.since(ids[3]!)!.map((e) => e.id),
          ids.slice(4),
        );
        assert.deepEqual(instance.since(ids[9]!), [], 'nothing missed after the newest');
        assert.equal(instance.since('12'), null, 'not a bus id');
      }
      assert.deepEqual(later.since(ids[3]!)![2]!.data, { id: 6 }, 'events of every kind');
    });

    test('the replay window: resuming after events it no longer holds gets null (a fresh snapshot)', async () => {
      const a = await bus.open({ replayMs: 300 });
      const first = await a.publish('sample', sample('l1', 0));
      // Past Redis's node size (100 entries), so its approximate trim drops some.
      for (let i = 1; i < 250; i++) await a.publish('sample', sample('l1', i));
      await new Promise((r) => setTimeout(r, 400));
      const newest = await a.publish('sample', sample('l1', 250));
      await until('the newest event received', () => a.lastId() === newest);
      assert.equal(a.since(first), null);
      const later = await bus.peer({ replayMs: 300 });
      assert.equal(later.since(first), null, 'nor on an instance that started after');
      await until('the newest event held', () => later.lastId() === newest);
      assert.deepEqual(later.since(newest), []);
    });

    test('a command reaches the instance that serves its owner, and its answer comes back', async () => {
      const a = await bus.open();
      const owner = await bus.peer();
      const stop = await owner.serve('line:filling', async ({ name, args }) => {
        if (name === 'bad') throw new ValidationError('comment is too long', { field: 'comment' });
        if (name === 'slow') await new Promise((r) => setTimeout(r, 500));
        if (name === 'nothing') return undefined;
        return { echoed: args };
      });
      assert.deepEqual(await a.command('line:filling', { name: 'ack', args: { alarm: 'x' } }), { echoed: { alarm: 'x' } });
      assert.equal(await a.command('line:filling', { name: 'nothing' }), null);
      await assert.rejects(a.command('line:filling', { name: 'bad' }), (error: unknown) => {
        assert.ok(error instanceof CommandError);
        assert.equal(error.code, 'LW_VALIDATION');
        assert.equal(error.status, 400);
        assert.equal(error.field, 'comment');
        assert.equal(error.message, 'comment is too long');
        return true;
      });
      await assert.rejects(a.command('line:filling', { name: 'slow' }, 100), BusTimeoutError);
      await assert.rejects(a.command('line:packaging', { name: 'ack' }), BusNoOwnerError, 'nobody serves it: at once');
      await stop();
      await assert.rejects(a.command('line:filling', { name: 'ack' }), BusNoOwnerError, 'no longer served');
      assert.equal(a.status().connected, true);
    });
  });
}

describe('live bus [redis] outages', () => {
  const cleanUp: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanUp.reverse()) await step();
  });

  test('an unreachable Redis at start is a clear error naming the host, not the password', async () => {
    await assert.rejects(openRedisBus({ url: 'redis://user:s3cret@127.0.0.1:1', log }), (error: unknown) => {
      assert.ok(error instanceof BusUnavailableError);
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  test('cut off, an instance says so and refuses to publish; back, it reads what it missed, in order', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    cleanUp.push(() => proxy.close());
    const keyPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
    const cutOff = await openRedisBus({ url: `redis://127.0.0.1:${proxy.port}`, log, keyPrefix, blockMs: 500 });
    const other = await openRedisBus({ url: redisUrl, log, keyPrefix, blockMs: 500 });
    cleanUp.push(
      () => cutOff.close(),
      () => other.close(),
    );
    const statuses: boolean[] = [];
    cutOff.onStatus((s) => statuses.push(s.connected));
    const received = collect(cutOff, 30);

    const before = await other.publish('sample', sample('l1', 0));
    await until('the first event received', () => cutOff.lastId() === before);
    await proxy.cut();
    await until('the outage seen', () => !cutOff.status().connected);
    const started = performance.now();
    await assert.rejects(cutOff.publish('sample', sample('l1', -1)), BusUnavailableError);
    assert.ok(performance.now() - started < 1000, 'refused at once, not queued');
    assert.match(cutOff.status().reason ?? '', /./);

    const ids = [before];
    for (let i = 1; i < 30; i++) ids.push(await other.publish('sample', sample('l1', i)));
    await proxy.restore();
    assert.deepEqual(
      (await received.done).map((e) => e.id),
      ids,
      'every event, once, in order, also those published while it was cut off',
    );
    await until('connected again', () => cutOff.status().connected);
    assert.deepEqual(statuses, [false, true]);
    const after = await cutOff.publish('sample', sample('l1', 30));
    await until('its own event back', () => other.lastId() === after);
  });
});
