import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encode } from '../../lib/modbus/codec.ts';
import { interFrameSilenceMs } from '../../lib/modbus/rtu-frame.ts';
import { plantSchema, type Plant, type TagConfig } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { commAlarmId } from '../../server/alarms/alarm-definitions.ts';
import { createAlarmEngine, type AlarmEngine } from '../../server/alarms/alarm-engine.ts';
import type { Audited } from '../../server/auth/audited.ts';
import { testRead } from '../../server/plant/test-read.ts';
import { createPoller, type ConnectionStateChange, type Poller } from '../../server/poller/poller.ts';
import type { RtuReplyFault } from '../../server/simulator/modbus-rtu-server.ts';
import { openPtyPair, type PtyPair } from '../../server/simulator/pty-pair.ts';
import { startRtuGatewaySimulator, startRtuSimulator, type RtuGatewaySimulator, type RtuSimulator } from '../../server/simulator/rtu-simulator.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { captureLog } from '../helpers/capture-log.ts';

/**
 * Modbus RTU end to end, no mocks: the poller opens one end of a socat pseudo-terminal pair as
 * its serial port, the simulated PLCs (server/simulator) serve RTU frames on the other. Unit 1
 * lives on the bus, unit 2 is declared but nothing answers it (a dead drive). Faults come from
 * the simulator's reply hook: a wrong CRC, a reply written in two chunks.
 */

const SCAN_MS = 250;
const DEAD_TIMEOUT_MS = 300;
const SERIAL = { baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const;

const liveTags = [
  { name: 'temp', area: 'holding', address: 0, type: 'float32', sim: { model: 'constant', nominal: 21.5 } },
  { name: 'flow', area: 'holding', address: 2, type: 'float32', wordOrder: 'CDAB', sim: { model: 'constant', nominal: -1234.5 } },
  { name: 'count', area: 'holding', address: 4, type: 'uint32', wordOrder: 'DCBA', sim: { model: 'constant', nominal: 3_000_000_000 } },
  { name: 'offset', area: 'holding', address: 6, type: 'int32', wordOrder: 'BADC', sim: { model: 'constant', nominal: -123_456 } },
  { name: 'level', area: 'holding', address: 8, type: 'int16', scale: 0.1, sim: { model: 'constant', nominal: -12.3 } },
  { name: 'flag', area: 'holding', address: 10, type: 'bool', bit: 5, sim: { model: 'constant', nominal: 1 } },
  { name: 'setpoint', area: 'holding', address: 20, type: 'float32', writable: { min: 0, max: 100, confirm: false }, sim: { model: 'constant', nominal: 40 } },
  { name: 'speed', area: 'input', address: 0, type: 'uint16', sim: { model: 'constant', nominal: 1500 } },
  { name: 'running', area: 'coil', address: 3, type: 'bool', sim: { model: 'constant', nominal: 1 } },
] as const;

/** What each live tag must read, as long as no write changed it. */
const expected: Record<string, number> = {
  'bus.temp': 21.5,
  'bus.flow': -1234.5,
  'bus.count': 3_000_000_000,
  'bus.offset': -123_456,
  'bus.level': -12.3,
  'bus.flag': 1,
  'bus.setpoint': 40,
  'bus.speed': 1500,
  'bus.running': 1,
};

let dir: string;
let pty: PtyPair;
let sim: RtuSimulator;
let poller: Poller;
let store: Store;
let alarms: AlarmEngine;
let plant: Plant;
/** The reply fault for holding-register reads of unit 1 (the simulator's hook). */
let holdingFault: RtuReplyFault = { kind: 'answer' };
let faultsServed = 0;
const batches: { connection: string; readAt: number; samples: Sample[] }[] = [];
const states: ConnectionStateChange[] = [];
const latest = new Map<string, Sample>();
/** Good samples whose value was not the one the PLC held: must stay empty. */
const wrongGood: Sample[] = [];
/** Tags whose value a write changed, from then on. */
const written = new Map<string, number>();

const quality = (tag: string) => latest.get(tag)?.quality;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what: string, check: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(5);
  }
  return performance.now() - started;
}
const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

function checkGood(s: Sample) {
  if (s.quality !== 'good' || !(s.tag in expected)) return;
  const want = written.get(s.tag) ?? expected[s.tag]!;
  if (!close(s.value!, want) && !(written.has(s.tag) && close(s.value!, expected[s.tag]!))) wrongGood.push(s);
}

/** Gaps between good reads of the live holding block (ms), from `from` on. */
function holdingGaps(from: number): number[] {
  const reads = batches.filter((b) => b.readAt >= from && b.connection === 'live' && b.samples.some((s) => s.tag === 'bus.temp' && s.quality === 'good'));
  return reads.slice(1).map((b, i) => b.readAt - reads[i]!.readAt);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-rtu-'));
  pty = await openPtyPair(dir);
  plant = plantSchema.parse({
    name: 'rtu',
    lines: [
      {
        id: 'bus',
        name: 'RS-485 bus',
        connections: [
          { id: 'live', protocol: 'rtu', path: pty.poller, ...SERIAL, unitId: 1, scanMs: SCAN_MS, timeoutMs: 2000, commLoss: { delayMs: 300 }, tags: liveTags },
          {
            id: 'dead',
            protocol: 'rtu',
            path: pty.poller,
            ...SERIAL,
            unitId: 2,
            scanMs: SCAN_MS,
            timeoutMs: DEAD_TIMEOUT_MS,
            commLoss: { delayMs: 300 },
            tags: [{ name: 'drive-speed', area: 'holding', address: 0, type: 'uint16' }],
          },
        ],
      },
    ],
  });
  const live = plant.lines[0]!.connections[0]!;
  sim = await startRtuSimulator({ path: pty.device, ...SERIAL }, [{ unitId: 1, scenario: 'normal', tags: live.tags as TagConfig[] }], {
    fault: (_unit, pdu) => {
      if (pdu[0] !== 0x03 || holdingFault.kind === 'answer') return { kind: 'answer' };
      faultsServed++;
      return holdingFault;
    },
  });

  store = createSqliteStore(join(dir, 'linewatch.db'));
  const audited: Audited = (_actor, _action, _target, run) => run();
  alarms = createAlarmEngine({ plant, store: store.alarms, publish: () => {}, audited, log: captureLog().log });
  await alarms.start();

  poller = createPoller({
    plant,
    onSamples(batch) {
      batches.push({ connection: batch.connection, readAt: batch.readAt, samples: batch.samples });
      for (const s of batch.samples) {
        latest.set(s.tag, s);
        checkGood(s);
      }
      alarms.onSamples(batch.samples);
    },
    onConnectionState: (s) => states.push(s),
  });
  await poller.start();
});

after(async () => {
  await poller?.stop();
  await alarms?.stop();
  await sim?.close();
  await pty?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Modbus RTU on a serial bus (socat pty pair)', () => {
  it('decodes every type and word order exactly', async () => {
    await waitFor('live tags good', () => Object.keys(expected).every((t) => quality(t) === 'good'), 5000);
    for (const [tag, value] of Object.entries(expected)) assert.ok(close(latest.get(tag)!.value!, value), `${tag}: ${latest.get(tag)!.value} ≠ ${value}`);
  });

  it('a dead unit id: its tags bad "timeout" and its comm-loss alarm; the neighbour keeps its scan', async () => {
    await waitFor('dead tag bad', () => quality('bus.drive-speed') === 'bad', 3000);
    assert.equal(latest.get('bus.drive-speed')!.reason, 'timeout');
    // Measure the live neighbour over 3 s while the dead unit keeps failing and retrying.
    const from = performance.timeOrigin + performance.now();
    const deadFailuresBefore = states.filter((s) => s.connection === 'dead' && s.state === 'disconnected').length;
    await sleep(3000);
    const gaps = holdingGaps(from).sort((a, b) => a - b);
    const deadFailures = states.filter((s) => s.connection === 'dead' && s.state === 'disconnected').length - deadFailuresBefore;
    const max = gaps.at(-1)!;
    const p50 = gaps[Math.floor(gaps.length / 2)]!;
    console.log(
      `  neighbour scan gaps over 3 s (scan ${SCAN_MS} ms, dead unit timeout ${DEAD_TIMEOUT_MS} ms, ${deadFailures} dead-unit timeouts): ` +
        `${gaps.length} gaps, p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms`,
    );
    assert.ok(gaps.length >= 8, `the neighbour kept reading (${gaps.length} reads in 3 s)`);
    assert.ok(deadFailures >= 1, 'the dead unit was retried within the window');
    // One dead request at a time holds the bus, for the dead unit's own timeout (not the live
    // one's 2 s): a gap is at most a scan plus that timeout, plus scheduling slack on a busy machine.
    assert.ok(max <= SCAN_MS + DEAD_TIMEOUT_MS + 250, `max gap ${max.toFixed(0)} ms`);
    assert.equal(quality('bus.temp'), 'good');
    assert.ok(!states.some((s) => s.connection === 'live' && s.state === 'disconnected'), 'the live unit never disconnected');

    await waitFor('comm-loss alarm of the dead unit', () => alarms.active().some((a) => a.id === commAlarmId('bus', 'dead')), 3000);
    assert.deepEqual(
      alarms
        .active()
        .filter((a) => a.kind === 'comm')
        .map((a) => a.connection),
      ['dead'],
      'comm-loss for the dead unit only',
    );
  });

  it('a reply with a wrong CRC: its tags bad "bad reply: CRC", never a wrong good value, then good again', async () => {
    const served = faultsServed;
    const from = batches.length;
    holdingFault = { kind: 'bad-crc' };
    try {
      await waitFor('holding tags bad', () => quality('bus.temp') === 'bad', 2000);
      assert.equal(latest.get('bus.temp')!.reason, 'bad reply: CRC');
      await waitFor('a few more spoiled replies', () => faultsServed >= served + 5, 3000);
      assert.equal(quality('bus.temp'), 'bad');
      // The frame is framed afresh after the silence: the other blocks of the unit read on —
      // fresh good reads all through, never bad. (Not "good at this instant": the dead unit on
      // the same bus holds it up to its 300 ms timeout now and then, a gap over two scans, and
      // then they are rightly stale for a moment; seen once in CI.)
      const during = batches.slice(from).flatMap((b) => b.samples);
      for (const tag of ['bus.speed', 'bus.running']) {
        assert.ok(during.filter((x) => x.tag === tag && x.quality === 'good').length >= 2, `${tag} read on during the fault`);
        assert.ok(!during.some((x) => x.tag === tag && x.quality === 'bad'), `${tag} never bad`);
      }
    } finally {
      holdingFault = { kind: 'answer' };
    }
    await waitFor('good again', () => quality('bus.temp') === 'good', 2000);
    assert.deepEqual(wrongGood, []);
  });

  it('a reply split across reads (two chunks, a gap below t3.5) decodes fine', async () => {
    const gapMs = Math.max(1, Math.floor(interFrameSilenceMs(SERIAL) / 2));
    const served = faultsServed;
    const from = batches.length;
    holdingFault = { kind: 'split', at: 6, gapMs };
    try {
      await waitFor('ten split replies', () => faultsServed >= served + 10, 5000);
    } finally {
      holdingFault = { kind: 'answer' };
    }
    const during = batches.slice(from).flatMap((b) => b.samples.filter((s) => s.tag === 'bus.temp'));
    // Ten split replies over the two holding blocks: about five reads of this one. Each one is
    // good and exact, never bad. (A "stale" sample may come between them: the dead unit holds the
    // bus up to its 300 ms timeout, and a scan plus that is more than the two scans a tag waits
    // before it is stale — seen once in CI, a right report, not a framing fault.)
    const good = during.filter((s) => s.quality === 'good');
    assert.ok(good.length >= 4, `${good.length} good reads of the holding block while split`);
    assert.deepEqual(
      during.filter((s) => s.quality === 'bad' || (s.quality === 'good' && s.value !== 21.5)),
      [],
      'every split reply was good and exact',
    );
    assert.deepEqual(wrongGood, []);
  });

  it('writes over RTU: a float32 setpoint, a coil, a bit of a register; each read back', async () => {
    const setpoint = plant.lines[0]!.connections[0]!.tags.find((t) => t.name === 'setpoint')!;
    written.set('bus.setpoint', 55.5);
    await poller.write('live', { area: 'holding', address: 20, values: encode(55.5, setpoint) });
    written.set('bus.running', 0);
    await poller.write('live', { area: 'coil', address: 3, values: [0] });
    written.set('bus.flag', 0);
    await poller.write('live', { area: 'holding', address: 10, bit: 5, on: false });
    await waitFor(
      'read back',
      () => latest.get('bus.setpoint')?.value === 55.5 && latest.get('bus.running')?.value === 0 && latest.get('bus.flag')?.value === 0,
      2000,
    );
    assert.deepEqual(sim.devices.get(1)!.forcedTags().sort(), ['flag', 'running', 'setpoint']);
    assert.deepEqual(wrongGood, []);
  });

  it('a write to the dead unit fails with its reason, nothing else harmed', async () => {
    await assert.rejects(poller.write('dead', { area: 'holding', address: 0, values: [1] }), (e: Error & { reason?: string }) =>
      ['timeout', 'connecting', 'not connected'].some((r) => e.reason?.includes(r) ?? false),
    );
    assert.equal(quality('bus.temp'), 'good');
  });

  it('test-read over RTU while the poller holds the port: a clear "port busy"', async () => {
    const result = await testRead(plant.lines[0]!.connections[0]!, null);
    assert.match(result.error ?? '', /port busy/);
  });
});

describe('RTU over TCP (a serial gateway)', () => {
  let gateway: RtuGatewaySimulator;
  let gwPoller: Poller;
  const gwLatest = new Map<string, Sample>();
  let gwPlant: Plant;

  before(async () => {
    const tags = [
      { name: 'temp', area: 'holding', address: 0, type: 'float32', wordOrder: 'CDAB', sim: { model: 'constant', nominal: 99.25 } },
      { name: 'count', area: 'input', address: 4, type: 'int32', sim: { model: 'constant', nominal: -7 } },
    ];
    gwPlant = plantSchema.parse({
      name: 'gw',
      lines: [
        {
          id: 'gw',
          name: 'Behind a gateway',
          connections: [
            { id: 'gw-3', protocol: 'rtu-over-tcp', host: '127.0.0.1', port: 1, unitId: 3, scanMs: SCAN_MS, timeoutMs: 500, tags },
            {
              id: 'gw-4',
              protocol: 'rtu-over-tcp',
              host: '127.0.0.1',
              port: 1,
              unitId: 4,
              scanMs: SCAN_MS,
              timeoutMs: 500,
              tags: tags.map((t) => ({ ...t, name: `${t.name}-4` })),
            },
          ],
        },
      ],
    });
    const parsed = gwPlant.lines[0]!.connections;
    gateway = await startRtuGatewaySimulator('127.0.0.1', 0, [
      { unitId: 3, scenario: 'normal', tags: parsed[0]!.tags },
      { unitId: 4, scenario: 'normal', tags: parsed[1]!.tags },
    ]);
    for (const c of gwPlant.lines[0]!.connections) if (c.protocol === 'rtu-over-tcp') c.port = gateway.port;
    gwPoller = createPoller({
      plant: gwPlant,
      onSamples(batch) {
        for (const s of batch.samples) gwLatest.set(s.tag, s);
      },
    });
    await gwPoller.start();
  });

  after(async () => {
    await gwPoller?.stop();
    await gateway?.close();
  });

  it('two units behind one gateway socket: values exact, a write read back, a test read', async () => {
    const tags = ['gw.temp', 'gw.count', 'gw.temp-4', 'gw.count-4'];
    await waitFor('gateway tags good', () => tags.every((t) => gwLatest.get(t)?.quality === 'good'), 5000);
    assert.equal(gwLatest.get('gw.temp')!.value, 99.25);
    assert.equal(gwLatest.get('gw.count')!.value, -7);
    assert.equal(gwLatest.get('gw.temp-4')!.value, 99.25);
    const temp = gwPlant.lines[0]!.connections[1]!.tags[0]!;
    await gwPoller.write('gw-4', { area: 'holding', address: 0, values: encode(12.75, temp) });
    await waitFor('read back', () => gwLatest.get('gw.temp-4')?.value === 12.75, 2000);
    assert.equal(gwLatest.get('gw.temp')!.value, 99.25, 'unit 3 untouched');

    const read = await testRead(gwPlant.lines[0]!.connections[0]!, null);
    assert.equal(read.error, null);
    assert.deepEqual(
      read.tags.map((t) => [t.name, t.value, t.quality]),
      [
        ['temp', 99.25, 'good'],
        ['count', -7, 'good'],
      ],
    );
    assert.equal(gateway.stats().badFrames, 0);
  });
});
