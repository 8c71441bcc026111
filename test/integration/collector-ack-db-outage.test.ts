/**
 * An operator's action through a PostgreSQL outage (issue 19, scale-out): a collector as a
 * real process reaches PostgreSQL through a TCP forwarder the test cuts, and Redis directly.
 * An acknowledgement sent to the line's owner as a bus command (as a web instance sends it) is
 * answered once its journal entry and audit row are durable — spooled, the database away — as
 * in role all: well within the bus's 5 s command timeout, not a 503. When the database is
 * back, both are in it exactly once, and the alarm's stored state says acknowledged.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { AcknowledgeResult } from '../../server/alarms/alarm-engine.ts';
import type { LiveBus } from '../../server/bus/live-bus.ts';
import { openRedisBus } from '../../server/bus/redis-bus.ts';
import { createLogger } from '../../server/log/logger.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { startCollectorProcess } from '../helpers/collector-process.ts';
import { createTestDatabase, throughProxy } from '../helpers/pg-database.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';
import { farmLine, type PlcFarm, startPlcFarm } from '../helpers/plc-farm.ts';

const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const alarmId = 'press.temp.hi';

let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let proxiedUrl: string;
/** The test's own view of the database, not through the forwarder. */
let store: Store;
let bus: LiveBus;
let farm: PlcFarm;
let collector: ChildProcess | undefined;
const alarmEvents: AlarmEventPayload[] = [];

const journalOf = (transition: 'raised' | 'acknowledged') => store.alarms.journal({ alarm: alarmId, transition, limit: 10 });
const ackAudits = async () => (await store.audit.query({ action: 'alarm.ack', limit: 10 })).filter((a) => a.target === alarmId);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-ack-outage-'));
  database = await createTestDatabase('lw_ackout');
  ({ url: proxiedUrl, proxy } = await throughProxy(database.url));
  store = await createPostgresStore(database.url);
  bus = await openRedisBus({ url: redisUrl, log: createLogger({ level: 'silent' }), keyPrefix: busPrefix, blockMs: 500 });
  bus.subscribe((e) => {
    if (e.event === 'alarm') alarmEvents.push(e.data as AlarmEventPayload);
  });
  farm = await startPlcFarm(['press']);
  const plant = {
    name: 'ack through a database outage',
    lines: [
      farmLine('press', farm.ports.press!, [{ name: 'temp', area: 'holding', address: 0, type: 'uint16', alarms: { hi: { limit: 100, priority: 'high' } } }]),
    ],
  };
  await writeFile(join(dir, 'plant.json'), JSON.stringify(plant));
});

after(async () => {
  collector?.kill('SIGKILL');
  await bus?.close();
  await store?.close();
  await proxy?.close();
  farm?.kill();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('PostgreSQL cut: an acknowledgement sent to the owning collector is answered at once (spooled), and written once when the database returns', {
  timeout: 90_000,
}, async (t) => {
  collector = startCollectorProcess({ id: 'c1', dir, databaseUrl: proxiedUrl, redisUrl, busPrefix });
  await until('c1 holds the line', async () => (await store.leases.current()).some((l) => l.resource === 'line:press' && l.holder === 'c1'), 60_000);
  farm.set('press', 0, 150);
  await until('the alarm raised on the bus', () => alarmEvents.some((e) => e.alarm.id === alarmId && e.entry.transition === 'raised'));
  await until('the raise committed', async () => (await journalOf('raised')).length === 1);

  await proxy.cut();
  try {
    const sentAt = Date.now();
    const actor = { username: 'operator', ip: '127.0.0.1' };
    const answer = await bus.command<AcknowledgeResult>('line:press', { name: 'alarm.acknowledge', args: { ids: [alarmId], comment: 'seen', actor } });
    const answerMs = Date.now() - sentAt;
    assert.equal(answer.acknowledged[0]?.state, 'ack-active');
    assert.ok(answerMs < 2500, `answered in ${answerMs} ms (the bus times a command out at 5 s)`);
    assert.deepEqual(await journalOf('acknowledged'), [], 'not committed: the database is away (it was spooled)');
    assert.deepEqual(await ackAudits(), [], 'no audit row committed yet either');
    t.diagnostic(`acknowledgement answered in ${answerMs} ms with PostgreSQL unreachable`);
    await sleep(1000);
  } finally {
    await proxy.restore();
  }

  const restoredAt = Date.now();
  await until('the acknowledgement and its audit row written', async () => (await journalOf('acknowledged')).length > 0 && (await ackAudits()).length > 0);
  const writtenMs = Date.now() - restoredAt;
  // A replay that went twice (a lost answer, a retry) would show up within a few rounds.
  await sleep(2000);
  const acks = await journalOf('acknowledged');
  assert.equal(acks.length, 1, 'one journal entry');
  assert.equal(acks[0]!.comment, 'seen');
  assert.equal(acks[0]!.user, 'operator');
  const audits = await ackAudits();
  assert.deepEqual(
    audits.map((a) => [a.username, a.result]),
    [['operator', 'ok']],
    'one audit row',
  );
  const state = (await store.alarms.loadStates()).find((s) => s.id === alarmId);
  assert.equal(state?.acked, true, 'the stored state says acknowledged: a next owner restores it so');
  assert.equal(state?.active, true);
  t.diagnostic(`written ${writtenMs} ms after the database returned`);
});
