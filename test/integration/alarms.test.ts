import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AlarmEventPayload, AlarmJournalEntry, AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Sample } from '../../lib/types.ts';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse-client.ts';
import { alarmEvent, json, runScenario } from '../helpers/scenarios.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The alarm engine end to end: simulated PLCs in the `jam` and `overheat` scenarios, the
 * real poller, the engine, SQLite, the HTTP API and the SSE stream.
 */

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

const post = (path: string, body: unknown, as: 'viewer' | 'operator' | 'admin' = 'operator') =>
  server.api(path, { as, method: 'POST', body: JSON.stringify(body) });

const entryOf = (e: SseEvent) => (e.data as AlarmEventPayload).entry;
const samplesOf = (sse: SseClient, tag: string): Sample[] =>
  sse.events.flatMap((e) => (e.event === 'sample' ? (e.data.samples as Sample[]).filter((s) => s.tag === tag) : []));
/** Transitions of one alarm as they came over the stream, oldest first. */
const streamed = (sse: SseClient, id: string) => sse.events.filter((e) => e.event === 'alarm' && entryOf(e).alarm === id).map(entryOf);

/** The alarms in the snapshot a newly opened stream starts with. */
async function snapshotAlarms(): Promise<AlarmView[]> {
  const sse = await openSse(`${server.url}/api/stream?line=filling`, { cookie: server.cookies.viewer });
  try {
    return (await sse.waitFor((e) => e.event === 'snapshot')).data.alarms as AlarmView[];
  } finally {
    sse.close();
  }
}

async function journalOf(id: string): Promise<AlarmJournalEntry[]> {
  const { entries } = await json<{ entries: AlarmJournalEntry[] }>(server.api(`/api/alarms/journal?alarm=${id}&limit=500`, { as: 'viewer' }));
  return entries.reverse();
}

test('jam: the fault alarm is raised within one scan, streamed, acknowledged over the API, cleared back in normal; journal in order', async () => {
  const id = 'filling.fault.discrete';
  const sse = await openSse(`${server.url}/api/stream?line=filling`, { cookie: server.cookies.viewer });
  try {
    await sse.waitFor((e) => e.event === 'snapshot');
    await runScenario(server, 'filling', 'jam');
    const raised = await sse.waitFor(alarmEvent(id, 'raised'), 20_000);
    const firstFault = samplesOf(sse, 'filling.fault').find((s) => s.quality === 'good' && s.value === 1)!;
    const lag = entryOf(raised).ts - firstFault.ts;
    assert.ok(lag >= 0 && lag <= 500, `raised ${lag} ms after the first poll that read fault = 1 (scan 500 ms, no on-delay)`);
    const payload = raised.data as AlarmEventPayload;
    assert.equal(payload.alarm.state, 'unack-active');
    assert.equal(payload.alarm.priority, 'high');
    assert.equal(payload.alarm.message, 'Filler fault: line stopped');
    assert.equal(payload.entry.value, 1);

    const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=filling', { as: 'viewer' }));
    assert.equal(alarms.find((a) => a.id === id)?.state, 'unack-active');
    const metrics = await (await server.api('/metrics', { as: 'viewer' })).text();
    assert.match(metrics, /^linewatch_alarms\{priority="high",state="unack-active"\} [1-9]/m);
    assert.match(metrics, /^linewatch_alarm_transitions_total\{transition="raised",priority="high"\} [1-9]/m);

    assert.equal((await post('/api/alarms/ack', { ids: [id] }, 'viewer')).status, 403, 'viewers cannot acknowledge');
    const acked = await json(post('/api/alarms/ack', { ids: [id], comment: 'Jam cleared at the capper' }));
    assert.equal(acked.acknowledged[0].state, 'ack-active');
    const ackEvent = await sse.waitFor(alarmEvent(id, 'acknowledged'));
    assert.equal(entryOf(ackEvent).user, 'operator');
    assert.equal(entryOf(ackEvent).comment, 'Jam cleared at the capper');
    // A stream opened now starts with the alarm as the events left it.
    assert.equal((await snapshotAlarms()).find((a) => a.id === id)?.state, 'ack-active', 'in a new snapshot, acknowledged');
    const again = await post('/api/alarms/ack', { ids: [id] });
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error.code, 'LW_ALARM_STATE');

    await runScenario(server, 'filling', 'normal');
    const cleared = await sse.waitFor(alarmEvent(id, 'cleared'), 20_000);
    assert.equal((cleared.data as AlarmEventPayload).alarm.state, 'normal');

    // Once more without acknowledging: it returns to normal unacknowledged, then the ack ends it.
    await runScenario(server, 'filling', 'jam');
    await sse.waitFor((e) => alarmEvent(id, 'raised')(e) && e.id! > cleared.id!, 20_000);
    await runScenario(server, 'filling', 'normal');
    const rtn = await sse.waitFor((e) => alarmEvent(id, 'cleared')(e) && e.id! > cleared.id!, 20_000);
    assert.equal(entryOf(rtn).state, 'rtn-unack');
    await json(post('/api/alarms/ack', { ids: [id], comment: 'seen' }));
    await sse.waitFor((e) => alarmEvent(id, 'acknowledged')(e) && e.id! > rtn.id!);
    assert.equal(
      (await snapshotAlarms()).find((a) => a.id === id),
      undefined,
      'back in normal: no longer in a new snapshot',
    );

    const journal = await journalOf(id);
    assert.deepEqual(
      journal.map((e) => `${e.transition}→${e.state}`),
      ['raised→unack-active', 'acknowledged→ack-active', 'cleared→normal', 'raised→unack-active', 'cleared→rtn-unack', 'acknowledged→normal'],
    );
    assert.deepEqual(journal, streamed(sse, id), 'the journal holds exactly what was streamed, in order');
    // Cursor pagination: pages of 4, newest first, following `nextBefore`, add up to the whole journal.
    const paged: AlarmJournalEntry[] = [];
    let before: number | null | undefined;
    do {
      const page = await json<{ entries: AlarmJournalEntry[]; nextBefore: number | null }>(
        server.api(`/api/alarms/journal?alarm=${id}&limit=4${before ? `&before=${before}` : ''}`, { as: 'viewer' }),
      );
      assert.ok(page.entries.length <= 4);
      paged.push(...page.entries);
      before = page.nextBefore;
    } while (before);
    assert.deepEqual(
      paged.map((e) => e.seq),
      journal.map((e) => e.seq).reverse(),
    );
    const { entries: audit } = await json(server.api('/api/audit?action=alarm.ack&limit=50', { as: 'admin' }));
    assert.ok(audit.some((e: { username: string; target: string; result: string }) => e.username === 'operator' && e.target === id && e.result === 'ok'));
  } finally {
    sse.close();
  }
});

test('overheat: zone 3 raises HI, then HIHI, each one on-delay after the value stays past its limit; both clear back in normal', async () => {
  const tag = 'extrusion.zone3-temp';
  const limits = { hi: 220, hihi: 230 };
  const onDelayMs = 1000;
  const scanMs = 500;
  const sse = await openSse(`${server.url}/api/stream?line=extrusion`, { cookie: server.cookies.viewer });
  try {
    await sse.waitFor((e) => e.event === 'snapshot');
    await runScenario(server, 'extrusion', 'overheat');
    const hi = await sse.waitFor(alarmEvent(`${tag}.hi`, 'raised'), 40_000);
    const hihi = await sse.waitFor(alarmEvent(`${tag}.hihi`, 'raised'), 40_000);
    assert.ok(hi.id! < hihi.id!, 'HI before HIHI');
    assert.equal((hihi.data as AlarmEventPayload).alarm.priority, 'critical');

    for (const [event, limit] of [
      [hi, limits.hi],
      [hihi, limits.hihi],
    ] as const) {
      // The run of good samples at or past the limit that ended in the alarm.
      const before = samplesOf({ ...sse, events: sse.events.filter((e) => e.id! < event.id!) }, tag).filter((s) => s.quality === 'good');
      let start = before.length;
      while (start > 0 && before[start - 1]!.value! >= limit) start--;
      const runStart = before[start]!;
      const lag = entryOf(event).ts - runStart.ts;
      assert.ok(lag >= onDelayMs - 5 && lag <= onDelayMs + scanMs, `raised ${lag} ms after the value reached ${limit} (on-delay ${onDelayMs}, scan ${scanMs})`);
      assert.ok(entryOf(event).value! >= limit);
      assert.equal(entryOf(event).limit, limit);
    }

    const ack = await json(post('/api/alarms/ack', { ids: [`${tag}.hi`, `${tag}.hihi`], comment: 'Heater band 3 switched off' }));
    assert.deepEqual(
      ack.acknowledged.map((a: AlarmView) => a.state),
      ['ack-active', 'ack-active'],
    );
    await runScenario(server, 'extrusion', 'normal');
    await sse.waitFor(alarmEvent(`${tag}.hihi`, 'cleared'), 20_000);
    await sse.waitFor(alarmEvent(`${tag}.hi`, 'cleared'), 20_000);
    for (const id of [`${tag}.hi`, `${tag}.hihi`]) {
      const journal = await journalOf(id);
      assert.deepEqual(
        journal.map((e) => `${e.transition}→${e.state}`),
        ['raised→unack-active', 'acknowledged→ack-active', 'cleared→normal'],
        id,
      );
      assert.deepEqual(journal, streamed(sse, id));
      assert.equal(journal[1]!.comment, 'Heater band 3 switched off');
    }
    const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=extrusion', { as: 'viewer' }));
    assert.ok(!alarms.some((a) => a.tag === tag), 'nothing left of zone 3 in the active list');

    const { kpis } = await json(server.api('/api/alarms/kpi', { as: 'viewer' }));
    assert.ok(kpis.annunciated >= 2);
    assert.ok(kpis.top.some((t: { alarm: string }) => t.alarm === `${tag}.hi`));
    // 24 h of 10-minute periods on the clock: 145 when the range starts inside one.
    assert.equal(kpis.buckets.length, kpis.from % 600_000 === 0 ? 144 : 145, '24 h of 10-minute periods');
    assert.equal(kpis.buckets[0].start % 600_000, 0, 'periods start on the clock');
  } finally {
    sse.close();
  }
});

test('shelving, out of service and bad requests', async () => {
  const id = 'packaging.door-open.discrete';
  const shelved = await json(post('/api/alarms/shelve', { id, durationMin: 15, reason: 'Door switch being replaced' }));
  assert.equal(shelved.alarm.state, 'shelved');
  assert.equal(shelved.alarm.shelved.by, 'operator');
  assert.ok(Math.abs(shelved.alarm.shelved.until - Date.now() - 15 * 60_000) < 5000);
  assert.equal((await post('/api/alarms/shelve', { id, durationMin: 15, reason: 'again' })).status, 409);
  assert.equal((await json(post('/api/alarms/unshelve', { id, comment: 'done' }))).alarm.state, 'normal');

  const tooLong = await post('/api/alarms/shelve', { id, durationMin: 600, reason: 'weekend' });
  assert.equal(tooLong.status, 400);
  assert.equal((await tooLong.json()).error.field, 'durationMin');
  const noReason = await post('/api/alarms/shelve', { id, durationMin: 5, reason: '  ' });
  assert.equal((await noReason.json()).error.field, 'reason');
  const unknown = await post('/api/alarms/ack', { ids: ['packaging.fault.discrete', 'packaging.nope.hi'] });
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.field, 'ids[1]');
  const normalAck = await post('/api/alarms/ack', { ids: [id] });
  assert.equal(normalAck.status, 409);
  assert.match((await normalAck.json()).error.message, /is normal: there is nothing to acknowledge/);

  assert.equal((await post('/api/alarms/out-of-service', { id, reason: 'Sensor removed' })).status, 403, 'operators cannot');
  assert.equal((await json(post('/api/alarms/out-of-service', { id, reason: 'Sensor removed' }, 'admin'))).alarm.state, 'out-of-service');
  const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms', { as: 'viewer' }));
  assert.equal(alarms.find((a) => a.id === id)?.outOfService?.reason, 'Sensor removed', 'listed while out of service');
  assert.equal((await json(post('/api/alarms/return-to-service', { id }, 'admin'))).alarm.state, 'normal');

  const { alarms: every } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?all=1', { as: 'viewer' }));
  assert.ok(every.length >= 40 && every.every((a) => a.state), `every configured alarm (${every.length})`);
  const badRange = await server.api('/api/alarms/kpi?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', { as: 'viewer' });
  assert.equal((await badRange.json()).error.field, 'from');
  const tooWide = await server.api('/api/alarms/kpi?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', { as: 'viewer' });
  assert.equal(tooWide.status, 400);

  const { entries: audit } = await json(server.api('/api/audit?limit=200', { as: 'admin' }));
  for (const action of ['alarm.shelve', 'alarm.unshelve', 'alarm.out-of-service', 'alarm.return-to-service']) {
    assert.ok(
      audit.some((e: { action: string; target: string }) => e.action === action && e.target === id),
      action,
    );
  }
});

test('a restart keeps unacknowledged alarms: restored from the database, in the snapshot, acknowledgeable', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-alarm-restart-'));
  const id = 'packaging.fault.discrete';
  try {
    const first = await startTestServer({ dataDir });
    let before: AlarmView;
    try {
      await runScenario(first, 'packaging', 'jam');
      for (let i = 0; ; i++) {
        const { alarms } = await json<{ alarms: AlarmView[] }>(first.api('/api/alarms?line=packaging', { as: 'viewer' }));
        const a = alarms.find((x) => x.id === id);
        if (a) {
          before = a;
          break;
        }
        assert.ok(i < 100, 'fault alarm raised');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await first.close();
    }
    const second = await startTestServer({ dataDir, autoStartSimulations: false });
    try {
      const sse = await openSse(`${second.url}/api/stream`, { cookie: second.cookies.viewer });
      const snapshot = await sse.waitFor((e) => e.event === 'snapshot');
      sse.close();
      const restored = (snapshot.data.alarms as AlarmView[]).find((a) => a.id === id);
      assert.ok(restored, 'in the snapshot');
      assert.equal(restored.state, 'unack-active');
      assert.equal(restored.activeSince, before!.activeSince);
      assert.equal(restored.seq, before!.seq);
      const ack = await json(second.api('/api/alarms/ack', { method: 'POST', body: JSON.stringify({ ids: [id], comment: 'after restart' }) }));
      assert.equal(ack.acknowledged[0].state, 'ack-active');
      const { entries } = await json(second.api(`/api/alarms/journal?alarm=${id}`, { as: 'viewer' }));
      assert.deepEqual(
        entries.map((e: AlarmJournalEntry) => e.transition),
        ['acknowledged', 'raised'],
        'the journal spans both lives',
      );
    } finally {
      await second.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
