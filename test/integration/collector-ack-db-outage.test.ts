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
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { AcknowledgeResult } from '../../server/alarms/alarm-engine.ts';
import { startCollectorProcess } from '../helpers/collector-process.ts';
import { type OutageRig, openOutageRig } from '../helpers/outage-rig.ts';
import { until } from '../helpers/until.ts';
import { farmLine } from '../helpers/plc-farm.ts';

const alarmId = 'press.temp.hi';

/** `rig.store` is the test's own view of the database, not through the forwarder. */
let rig: OutageRig;
let collector: ChildProcess | undefined;
const alarmEvents: AlarmEventPayload[] = [];

const journalOf = (transition: 'raised' | 'acknowledged') => rig.store.alarms.journal({ alarm: alarmId, transition, limit: 10 });
const ackAudits = async () => (await rig.store.audit.query({ action: 'alarm.ack', limit: 10 })).filter((a) => a.target === alarmId);

before(async () => {
  rig = await openOutageRig('ack-outage', ['press']);
  rig.bus.subscribe((e) => {
    if (e.event === 'alarm') alarmEvents.push(e.data as AlarmEventPayload);
  });
  const plant = {
    name: 'ack through a database outage',
    lines: [
      farmLine('press', rig.farm.ports.press!, [
        { name: 'temp', area: 'holding', address: 0, type: 'uint16', alarms: { hi: { limit: 100, priority: 'high' } } },
      ]),
    ],
  };
  await rig.writePlant(plant);
});

after(async () => {
  collector?.kill('SIGKILL');
  await rig?.close();
});

test('PostgreSQL cut: an acknowledgement sent to the owning collector is answered at once (spooled), and written once when the database returns', {
  timeout: 90_000,
}, async (t) => {
  collector = startCollectorProcess({ id: 'c1', dir: rig.dir, databaseUrl: rig.proxiedUrl, redisUrl: rig.redisUrl, busPrefix: rig.busPrefix });
  await until('c1 holds the line', async () => (await rig.store.leases.current()).some((l) => l.resource === 'line:press' && l.holder === 'c1'), 60_000);
  rig.farm.set('press', 0, 150);
  await until('the alarm raised on the bus', () => alarmEvents.some((e) => e.alarm.id === alarmId && e.entry.transition === 'raised'));
  await until('the raise committed', async () => (await journalOf('raised')).length === 1);

  await rig.proxy.cut();
  try {
    const sentAt = Date.now();
    const actor = { username: 'operator', ip: '127.0.0.1' };
    const answer = await rig.bus.command<AcknowledgeResult>('line:press', { name: 'alarm.acknowledge', args: { ids: [alarmId], comment: 'seen', actor } });
    const answerMs = Date.now() - sentAt;
    assert.equal(answer.acknowledged[0]?.state, 'ack-active');
    assert.ok(answerMs < 2500, `answered in ${answerMs} ms (the bus times a command out at 5 s)`);
    assert.deepEqual(await journalOf('acknowledged'), [], 'not committed: the database is away (it was spooled)');
    assert.deepEqual(await ackAudits(), [], 'no audit row committed yet either');
    t.diagnostic(`acknowledgement answered in ${answerMs} ms with PostgreSQL unreachable`);
    await sleep(1000);
  } finally {
    await rig.proxy.restore();
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
  const state = (await rig.store.alarms.loadStates()).find((s) => s.id === alarmId);
  assert.equal(state?.acked, true, 'the stored state says acknowledged: a next owner restores it so');
  assert.equal(state?.active, true);
  t.diagnostic(`written ${writtenMs} ms after the database returned`);
});
