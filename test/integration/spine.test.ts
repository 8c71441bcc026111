import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import ModbusRTU from 'modbus-serial';
import { WebSocket } from 'ws';
import { decodeSampleEvent } from '../../lib/stream/sample-wire.ts';
import { encode } from '../../lib/modbus/codec.ts';
import type { ProcessInfo, Sample } from '../../lib/types.ts';
import { liveProcessOf, statField } from '../helpers/proc-stat.ts';
import { openSse, type SseEvent } from '../helpers/sse-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { compareEventIds } from '../../server/bus/event-id.ts';

let server: TestServer;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lw-spine-'));
  // Real-time priority as by default: the live process's main thread only (checked below).
  server = await startTestServer({ dataDir });
});
after(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const api = (path: string, init?: RequestInit) => server.api(path, init);
const openStream = (path: string, options: { lastEventId?: string } = {}) => openSse(server.url + path, { ...options, cookie: server.cookies.viewer });
const samplesOf = (e: SseEvent): Sample[] => (e.event === 'sample' ? e.data.samples : e.event === 'snapshot' ? e.data.values : []);
const hasSample = (match: (s: Sample) => boolean) => (e: SseEvent) => samplesOf(e).some(match);

async function simulatorPort(lineId: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { processes } = (await (await api('/api/processes')).json()) as { processes: ProcessInfo[] };
    const p = processes.find((x) => x.id === `sim-${lineId}-plc` && x.status === 'running');
    if (p && typeof p.info.port === 'number') return p.info.port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`simulator of ${lineId} never ran`);
}

test('health, lines and processes describe the demo plant', async () => {
  const health = await (await api('/api/health')).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.lines, 3);
  const { lines } = await (await api('/api/lines')).json();
  assert.deepEqual(
    lines.map((l: { id: string }) => l.id),
    ['extrusion', 'filling', 'packaging'],
  );
  assert.ok(lines.every((l: { tags: unknown[] }) => l.tags.length >= 10));
  await simulatorPort('extrusion');
});

test('the stream starts with a snapshot and then carries live, good samples', async () => {
  const sse = await openStream('/api/stream');
  try {
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
    const first = await sse.waitFor(() => true);
    assert.equal(first.event, 'snapshot');
    const e = await sse.waitFor((x) => x.event === 'sample' && x.data.line === 'filling');
    assert.ok(e.id !== undefined && compareEventIds(e.id, first.id!) > 0);
    assert.ok(e.data.samples.every((s: Sample) => s.quality === 'good' && typeof s.value === 'number'));
  } finally {
    sse.close();
  }
});

test('?line= narrows the snapshot and the events to one line; a bad query is a 400 naming the field', async () => {
  const sse = await openStream('/api/stream?line=filling');
  try {
    const first = await sse.waitFor(() => true);
    assert.equal(first.event, 'snapshot');
    assert.deepEqual(
      first.data.lines.map((l: { id: string }) => l.id),
      ['filling'],
    );
    assert.ok(first.data.values.length > 0 && first.data.values.every((v: Sample) => v.tag.startsWith('filling.')));
    const e = await sse.waitFor((x) => x.event === 'sample');
    assert.equal(e.data.line, 'filling');
  } finally {
    sse.close();
  }
  for (const [query, field] of [
    ['lastEventId=abc', 'lastEventId'],
    ['bogus=1', 'bogus'],
    [`line=${'x'.repeat(41)}`, 'line'],
  ]) {
    const res = await fetch(`${server.url}/api/stream?${query}`, { headers: { cookie: server.cookies.viewer } });
    assert.equal(res.status, 400, query);
    assert.equal(((await res.json()) as { error: { field: string } }).error.field, field, query);
  }
});

test('a value written into the simulated PLC appears on the stream decoded and scaled', async () => {
  const port = await simulatorPort('extrusion');
  const sse = await openStream('/api/stream?line=extrusion');
  const client = new ModbusRTU();
  try {
    await client.connectTCP('127.0.0.1', { port });
    client.setID(1);
    client.setTimeout(1000);
    // vacuum: int16 at 30, scale 0.1 → raw -4321 reads as -432.1 mbar
    await client.writeRegister(30, encode(-432.1, { type: 'int16', wordOrder: 'ABCD', scale: 0.1, offset: 0 })[0]!);
    // melt-temp: float32 at 8
    await client.writeRegisters(8, encode(123.5, { type: 'float32', wordOrder: 'ABCD', scale: 1, offset: 0 }));
    await sse.waitFor(
      hasSample((s) => s.tag === 'extrusion.vacuum' && Math.abs(s.value! + 432.1) < 1e-9 && s.quality === 'good'),
      5000,
    );
    await sse.waitFor(
      hasSample((s) => s.tag === 'extrusion.melt-temp' && s.value === 123.5),
      5000,
    );
    assert.ok(
      sse.events.every((e) => e.event !== 'sample' || e.data.line === 'extrusion'),
      'line filter holds',
    );
  } finally {
    client.close(() => {});
    sse.close();
  }
});

test('stopping a simulation turns its tags bad within 2 scan periods; starting it brings them back', async () => {
  await simulatorPort('filling');
  const sse = await openStream('/api/stream?line=filling');
  try {
    await sse.waitFor((e) => e.event === 'sample');
    const stop = await api('/api/lines/filling/simulation', { method: 'DELETE' });
    assert.equal(stop.status, 200);
    const stopped = (await stop.json()).processes[0] as ProcessInfo;
    assert.equal(stopped.status, 'stopped');
    const t0 = Date.now();
    const bad = await sse.waitFor(
      hasSample((s) => s.tag === 'filling.tank-level' && s.quality === 'bad'),
      3000,
    );
    const elapsed = Date.now() - t0;
    assert.ok(elapsed <= 2 * 500 + 100, `bad after ${elapsed} ms`);
    assert.ok(samplesOf(bad).find((s) => s.tag === 'filling.tank-level')!.reason, 'bad carries a reason');
    await sse.waitFor((e) => e.event === 'line' && e.data.id === 'filling' && e.data.state === 'comm-lost', 3000);

    const again = await api('/api/lines/filling/simulation', { method: 'DELETE' });
    assert.equal(again.status, 409, 'stopping a stopped simulation conflicts');

    const start = await api('/api/lines/filling/simulation', { method: 'POST', body: JSON.stringify({ scenario: 'normal' }) });
    assert.equal(start.status, 202);
    const t1 = sse.events.length;
    await sse.waitFor((e) => sse.events.indexOf(e) >= t1 && hasSample((s) => s.tag === 'filling.tank-level' && s.quality === 'good')(e), 8000);
    const dup = await api('/api/lines/filling/simulation', { method: 'POST', body: JSON.stringify({ scenario: 'normal' }) });
    assert.equal(dup.status, 409);
  } finally {
    sse.close();
  }
});

test('a simulated PLC killed with SIGKILL is seen as crashed and its tags go bad within 2 scan periods', async () => {
  await simulatorPort('packaging');
  const { processes } = (await (await api('/api/processes')).json()) as { processes: ProcessInfo[] };
  const sim = processes.find((p) => p.id === 'sim-packaging-plc')!;
  const sse = await openStream('/api/stream?line=packaging');
  try {
    await sse.waitFor((e) => e.event === 'sample');
    const t0 = Date.now();
    process.kill(sim.pid!, 'SIGKILL');
    await sse.waitFor(
      hasSample((s) => s.tag === 'packaging.glue-temp' && s.quality === 'bad'),
      3000,
    );
    assert.ok(Date.now() - t0 <= 2 * 1000 + 100, `bad after ${Date.now() - t0} ms (scan 1000 ms)`);
    const crashed = await sse.waitFor((e) => e.event === 'process' && e.data.id === 'sim-packaging-plc' && e.data.status === 'crashed', 3000);
    assert.equal(crashed.data.signal, 'SIGKILL');
    assert.equal((await api('/api/lines/packaging/simulation', { method: 'POST', body: '{}' })).status, 202);
    const from = sse.events.length;
    await sse.waitFor((e) => sse.events.indexOf(e) >= from && hasSample((s) => s.tag === 'packaging.glue-temp' && s.quality === 'good')(e), 8000);
  } finally {
    sse.close();
  }
});

test('simulation API refuses bad input with the field named', async () => {
  const bad = await api('/api/lines/filling/simulation', { method: 'POST', body: JSON.stringify({ scenario: 'explode' }) });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.field, 'scenario');
  const extra = await api('/api/lines/filling/simulation', { method: 'POST', body: JSON.stringify({ scenario: 'jam', x: 1 }) });
  assert.equal(extra.status, 400);
  const junk = await api('/api/lines/filling/simulation', { method: 'POST', body: '{nope' });
  assert.equal(junk.status, 400);
  assert.equal((await junk.json()).error.field, 'body');
  const missing = await api('/api/lines/nope/simulation', { method: 'POST', body: '{}' });
  assert.equal(missing.status, 404);
});

test('Last-Event-ID resume delivers the missed events with no gap and no duplicate', async () => {
  // A stream that stays open all along is the reference for what the resumed one must replay.
  const reference = await openStream('/api/stream');
  const first = await openStream('/api/stream');
  try {
    const seen = await first.waitFor((e) => e.event === 'sample');
    first.close();
    await new Promise((r) => setTimeout(r, 1200));
    const resumed = await openStream('/api/stream', { lastEventId: seen.id });
    try {
      const later = await resumed.waitFor((e) => e.event === 'sample' && e.data.readAt > seen.data.readAt + 1500);
      await reference.waitFor((e) => e.id === later.id);
      const ids = resumed.events.filter((e) => e.id !== undefined).map((e) => e.id!);
      assert.equal(resumed.events[0]!.event === 'snapshot', false, 'replay, not a snapshot');
      const expected = reference.events
        .map((e) => e.id)
        .filter((id) => id !== undefined && compareEventIds(id, seen.id!) > 0 && compareEventIds(id, later.id!) <= 0);
      assert.ok(expected.length > 10, `${expected.length} events missed and replayed`);
      assert.deepEqual(ids.slice(0, expected.length), expected, 'every event after the last seen, once, in order');
    } finally {
      resumed.close();
    }
  } finally {
    first.close();
    reference.close();
  }
  const stale = await openStream('/api/stream', { lastEventId: '42' });
  assert.equal((await stale.waitFor(() => true)).event, 'snapshot', 'an id of an older release gets a snapshot');
  stale.close();
  const unknown = await openStream('/api/stream', { lastEventId: '1000-3' });
  assert.equal((await unknown.waitFor(() => true)).event, 'snapshot', 'an id older than the replay window gets a snapshot');
  unknown.close();
});

test('the WebSocket endpoint carries the same events', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/ws?line=packaging`, { headers: { cookie: server.cookies.viewer } });
  const messages: { event: string; data: any }[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      messages.push(JSON.parse(String(raw)));
      if (messages.some((m) => m.event === 'sample')) resolve();
    });
    ws.on('error', reject);
    setTimeout(() => reject(new Error('no sample over WebSocket')), 5000);
  });
  ws.close();
  assert.equal(messages[0]!.event, 'snapshot');
  const batch = decodeSampleEvent(messages.find((m) => m.event === 'sample')!.data);
  assert.equal(batch.line, 'packaging');
  assert.ok(batch.samples.length > 0 && batch.samples.every((s) => s.tag.startsWith('packaging.') && typeof s.value === 'number'));
});

test('raw history and metrics', async () => {
  const to = new Date(Date.now() + 1000).toISOString();
  const from = new Date(Date.now() - 60_000).toISOString();
  await new Promise((r) => setTimeout(r, 1200));
  const res = await api(`/api/history?tag=extrusion.melt-pressure&from=${from}&to=${to}`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.resolution, 'raw');
  assert.ok(body.points.length > 2, `${body.points.length} points`);
  assert.ok(body.points.every((p: { ts: number }, i: number, a: { ts: number }[]) => i === 0 || p.ts > a[i - 1]!.ts));
  const bad = await api(`/api/history?tag=extrusion.melt-pressure&from=yesterday&to=${to}`);
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.field, 'from');
  const unknown = await api(`/api/history?tag=nope&from=${from}&to=${to}`);
  assert.equal(unknown.status, 404);

  // A frozen PLC fails its reads by timeout: counted. (A SIGKILLed one fails a read only if
  // one was in flight; its refused reconnects are no reads, so they are not counted.)
  const { processes } = (await (await api('/api/processes')).json()) as { processes: ProcessInfo[] };
  const extrusion = processes.find((p) => p.id === 'sim-extrusion-plc' && p.status === 'running')!;
  const pollErrors = (text: string) => Number(/^linewatch_poll_errors_total\{connection="extrusion-plc"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  process.kill(extrusion.pid!, 'SIGSTOP');
  try {
    const deadline = Date.now() + 5000;
    while (pollErrors(await (await api('/metrics')).text()) === 0) {
      assert.ok(Date.now() < deadline, 'no poll error counted for a frozen PLC within 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    process.kill(extrusion.pid!, 'SIGCONT');
  }

  const metrics = await (await api('/metrics')).text();
  for (const name of [
    'linewatch_samples_total',
    'linewatch_poll_duration_seconds_bucket',
    'linewatch_event_loop_lag_p99_seconds',
    'linewatch_child_processes',
    'linewatch_http_request_duration_seconds_bucket',
    'linewatch_stream_clients',
  ]) {
    assert.match(metrics, new RegExp(`^${name}`, 'm'), name);
  }
  assert.match(metrics, /linewatch_child_processes\{status="running"\} 3/);
  // Sample batches' fan-out in the live process, reported once a second.
  assert.match(metrics, /^linewatch_stream_fanout_seconds_count [1-9]/m);
  // Statuses with no process are reported as 0, not left out.
  for (const status of ['starting', 'stopping', 'stopped', 'crashed'])
    assert.match(metrics, new RegExp(`^linewatch_child_processes\\{status="${status}"\\} 0$`, 'm'), status);
});

/** Whether this process may set real-time priorities: CAP_SYS_NICE (bit 23) among its effective capabilities. */
const mayUseRealtime = (BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 23n) & 1n;

/** The live process's main thread at SCHED_RR 10 (the default) where permitted, its helper threads at an ordinary policy. */
function assertLiveScheduling(pid: number): void {
  const threads = readdirSync(`/proc/${pid}/task`);
  assert.ok(threads.length > 1, 'V8 and libuv helper threads exist');
  for (const tid of threads.filter((t) => t !== String(pid))) assert.equal(statField(`${pid}/task/${tid}`, 41), '0', `helper thread ${tid}: SCHED_OTHER`);
  if (mayUseRealtime) {
    assert.equal(statField(pid, 41), '2', 'main thread: SCHED_RR');
    assert.equal(statField(pid, 40), '10', 'real-time priority 10');
  } else {
    assert.equal(statField(pid, 41), '0');
    assert.ok(
      server.logs.some((l) => l.includes('real-time priority not set')),
      'the refusal is logged',
    );
  }
}

test('the live process streams the values at real-time priority; killed, it is restarted and streams pick up again', async () => {
  const live = liveProcessOf();
  assert.ok(live, 'a live process runs under the server');
  assertLiveScheduling(live.pid);
  const sse = await openStream('/api/stream?line=filling');
  await sse.waitFor((e) => e.event === 'sample');
  process.kill(live.pid, 'SIGKILL');
  await sse.ended;
  for (let i = 0; i < 50 && !server.logs.some((l) => l.includes('live process exited unexpectedly')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(
    server.logs.some((l) => l.includes('live process exited unexpectedly')),
    'the restart is logged',
  );
  // A client reconnects (the browser's EventSource does by itself) and gets values again.
  let resumed: Awaited<ReturnType<typeof openStream>> | undefined;
  for (let i = 0; i < 50 && resumed?.status !== 200; i++) {
    resumed?.close();
    await new Promise((r) => setTimeout(r, 200));
    resumed = await openStream('/api/stream?line=filling', { lastEventId: sse.events.at(-1)!.id });
  }
  try {
    assert.equal(resumed!.status, 200);
    assert.equal((await resumed!.waitFor(() => true)).event, 'snapshot', 'ids of the old live process are too old: a fresh snapshot');
    const e = await resumed!.waitFor((x) => x.event === 'sample' && x.data.samples.some((s: Sample) => s.quality === 'good'));
    assert.ok(Date.now() - e.data.readAt < 5000);
    const health = await (await api('/api/health')).json();
    assert.equal(health.streamClients, 1, 'the dropped stream is no longer counted');
    const restarted = liveProcessOf();
    assert.ok(restarted && restarted.pid !== live.pid);
    assertLiveScheduling(restarted.pid);
  } finally {
    resumed?.close();
  }
});

test('a graceful close flushes history: every streamed sample is in the database', async () => {
  const sse = await openStream('/api/stream?line=packaging');
  const last = await sse.waitFor((e) => e.event === 'sample' && e.data.samples.length > 0);
  const sample = last.data.samples[0] as Sample;
  sse.close();
  await server.close();
  const db = new Database(join(dataDir, 'linewatch.db'), { readonly: true });
  try {
    const row = db
      .prepare('SELECT value FROM samples JOIN tags ON tags.id = samples.tag_id WHERE tags.name = ? AND ts = ?')
      .get(sample.tag, Math.round(sample.ts)) as { value: number } | undefined;
    assert.ok(row, 'the last streamed sample was committed on close');
    assert.equal(row.value, sample.value);
  } finally {
    db.close();
  }
});
