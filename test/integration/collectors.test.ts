import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ServerTCP } from 'modbus-serial';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { EventPayloads, HubEvent } from '../../lib/types.ts';
import type { LiveBus } from '../../server/bus/live-bus.ts';
import { openRedisBus } from '../../server/bus/redis-bus.ts';
import { createLogger } from '../../server/log/logger.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { entryFile, execArgvFor } from '../../server/util/entry-points.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * The collector role as real processes: two collectors on one PostgreSQL and one Redis share
 * two lines, each line's PLC a real Modbus TCP server behind a proxy that counts its clients;
 * the test reads the live bus as a web instance would.
 */
const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const lines = ['press', 'oven'] as const;
const holding = new Map<string, number[]>(lines.map((l) => [l, new Array<number>(10).fill(0)]));

let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let bus: LiveBus;
const plcs: ServerTCP[] = [];
const proxies = new Map<string, TcpProxy>();
const collectors = new Map<string, ChildProcess>();
const events: HubEvent[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startPlc(line: string, port: number): Promise<ServerTCP> {
  return new Promise((resolve, reject) => {
    const server = new ServerTCP({ getHoldingRegister: (addr: number) => holding.get(line)![addr] ?? 0 }, { host: '127.0.0.1', port, unitID: 1 });
    server.on('socketError', () => {});
    server.once('serverError', reject);
    server.once('initialized', () => resolve(server));
  });
}

function startCollector(id: string): ChildProcess {
  const main = entryFile('main');
  const child = fork(main, ['--role', 'collector'], {
    execArgv: execArgvFor(main),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LINEWATCH_DATA: join(dir, id),
      LINEWATCH_PLANT: join(dir, 'plant.json'),
      LINEWATCH_DATABASE_URL: database.url,
      LINEWATCH_REDIS_URL: redisUrl,
      LINEWATCH_BUS_PREFIX: busPrefix,
      LINEWATCH_COLLECTOR_ID: id,
      LINEWATCH_LOG_LEVEL: 'warn',
    },
  });
  collectors.set(id, child);
  return child;
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const holders = async () => new Map((await store.leases.current()).filter((l) => l.resource.startsWith('line:')).map((l) => [l.resource.slice(5), l.holder]));
const goodSampleAfter = (line: string, at: number) =>
  events.some(
    (e) =>
      e.event === 'sample' &&
      (e.data as EventPayloads['sample']).line === line &&
      (e.data as EventPayloads['sample']).readAt > at &&
      (e.data as EventPayloads['sample']).samples.every((s) => s.quality === 'good'),
  );

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-collectors-'));
  database = await createTestDatabase('lw_coll');
  store = await createPostgresStore(database.url);
  bus = await openRedisBus({ url: redisUrl, log: createLogger({ level: 'silent' }), keyPrefix: busPrefix, blockMs: 500 });
  bus.subscribe((e) => events.push(e));
  const plantLines = [];
  for (const line of lines) {
    const port = await freePort();
    plcs.push(await startPlc(line, port));
    const proxy = await startTcpProxy({ host: '127.0.0.1', port });
    proxies.set(line, proxy);
    plantLines.push({
      id: line,
      name: line,
      connections: [
        {
          id: `${line}-plc`,
          protocol: 'tcp',
          host: '127.0.0.1',
          port: proxy.port,
          scanMs: 100,
          timeoutMs: 500,
          tags: [{ name: 'temp', area: 'holding', address: 0, type: 'uint16', alarms: { hi: { limit: 100, priority: 'high' } } }],
        },
      ],
    });
  }
  await writeFile(join(dir, 'plant.json'), JSON.stringify({ name: 'collectors test', lines: plantLines }));
});

after(async () => {
  for (const child of collectors.values()) child.kill('SIGKILL');
  await bus?.close();
  await store?.close();
  for (const proxy of proxies.values()) await proxy.close();
  for (const plc of plcs) await new Promise<void>((resolve) => plc.close(() => resolve()));
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('two collectors share the lines; a killed one hands its line over within 10 s, never two pollers on one PLC', { timeout: 120_000 }, async () => {
  startCollector('c1');
  startCollector('c2');
  const shared = await until('each collector holds a line', async () => {
    const h = await holders();
    return h.size === 2 && new Set(h.values()).size === 2 && h;
  });
  const started = Date.now();
  for (const line of lines) await until(`${line}'s samples on the bus`, () => goodSampleAfter(line, started));

  // An alarm, acknowledged by a command to the line's owner (as a web instance sends it).
  holding.get('press')![0] = 150;
  const raised = await until('press.temp.hi raised', () =>
    events.find((e): e is HubEvent<'alarm'> => e.event === 'alarm' && (e.data as AlarmEventPayload).alarm.id === 'press.temp.hi'),
  );
  assert.equal(raised.data.alarm.state, 'unack-active');
  const answer = (await bus.command('line:press', {
    name: 'alarm.acknowledge',
    args: { ids: ['press.temp.hi'], comment: 'seen', actor: { username: 'alice', ip: '10.0.0.7' } },
  })) as { acknowledged: { state: string }[] };
  assert.equal(answer.acknowledged[0]?.state, 'ack-active');
  await until('the acknowledgement on the bus', () =>
    events.some((e) => e.event === 'alarm' && (e.data as AlarmEventPayload).entry.transition === 'acknowledged'),
  );

  // The owner of press dies without a word.
  const victim = shared.get('press')!;
  const survivor = victim === 'c1' ? 'c2' : 'c1';
  const killedAt = Date.now();
  collectors.get(victim)!.kill('SIGKILL');
  await until('press taken over', async () => (await holders()).get('press') === survivor, 15_000);
  const firstGood = await until('good press samples from the new owner', () => goodSampleAfter('press', killedAt + 500) && Date.now(), 15_000);
  const failoverMs = firstGood - killedAt;
  assert.ok(failoverMs <= 10_000, `fail-over took ${failoverMs} ms`);
  for (const [line, proxy] of proxies) assert.equal(proxy.clients().peak, 1, `${line}: never two pollers at once`);

  // The new owner continued the alarm: acknowledged stays acknowledged, not raised again.
  const snapshot = (await bus.command('line:press', { name: 'snapshot' })) as { alarms: { id: string; state: string }[] };
  assert.deepEqual(
    snapshot.alarms.map((a) => [a.id, a.state]),
    [['press.temp.hi', 'ack-active']],
  );
  const raisedTwice = events.filter((e) => e.event === 'alarm' && (e.data as AlarmEventPayload).entry.transition === 'raised');
  assert.equal(raisedTwice.length, 1, 'no second raise after the hand-over');
  const audit = await until('the audit row', async () => (await store.audit.query({ username: 'alice', limit: 10 })).find((a) => a.action === 'alarm.ack'));
  assert.equal(audit.target, 'press.temp.hi');
  console.log(`# fail-over: SIGKILL -> first good sample from the new owner in ${failoverMs} ms`);

  // Stopped by its service manager, a collector lets its lines go at once, and exits cleanly.
  const exited = new Promise<number | null>((resolve) => collectors.get(survivor)!.once('exit', (code) => resolve(code)));
  collectors.get(survivor)!.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual([...(await holders()).keys()], [], 'no lease outlives a clean stop');
  assert.equal(proxies.get('press')!.clients().now, 0, 'its PLC connections closed');
});
