import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ServerTCP } from 'modbus-serial';
import { plantSchema } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { createPoller, type ConnectionStateChange, type Poller, type SampleBatch } from '../../server/poller/poller.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { startSilentPlc, type SilentPlc } from '../helpers/silent-plc.ts';
import { freePort } from '../helpers/free-port.ts';

/**
 * The poller against real sockets: a modbus-serial ServerTCP whose registers the test sets,
 * a raw TCP server that accepts and never answers.
 */

const SCAN_MS = 100;

/** The PLC's memory, by area. Input registers from 500 up don't exist (exception 02). */
const holding = new Array<number>(100).fill(0);
const coils = new Array<boolean>(100).fill(false);
const illegalAddress = () => Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });

function startPlc(port: number): Promise<ServerTCP> {
  return new Promise((resolve, reject) => {
    const server = new ServerTCP(
      {
        getHoldingRegister: (addr: number) => holding[addr] ?? 0,
        getCoil: (addr: number) => coils[addr] ?? false,
        getInputRegister: (addr: number) => {
          if (addr >= 500) throw illegalAddress();
          return 0;
        },
      },
      { host: '127.0.0.1', port, unitID: 1 },
    );
    server.on('error', () => {});
    server.on('socketError', () => {});
    server.once('serverError', reject);
    server.once('initialized', () => resolve(server));
  });
}

const closePlc = (server: ServerTCP) => new Promise<void>((resolve) => server.close(() => resolve()));

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

describe('poller against a real Modbus TCP server', () => {
  let plcPort: number;
  let plc: ServerTCP;
  let silent: SilentPlc | undefined;
  let silentSockets = new Set<Socket>();
  let poller: Poller;
  const batches: { at: number; batch: SampleBatch }[] = [];
  const latest = new Map<string, Sample>();
  const states: ConnectionStateChange[] = [];
  const polls: { connection: string; seconds: number; ok: boolean; connect?: true }[] = [];
  const captured = captureLog();
  const logs = captured.lines;
  const value = (tag: string) => latest.get(tag)?.value;
  const quality = (tag: string) => latest.get(tag)?.quality;
  const reason = (tag: string) => latest.get(tag)?.reason;
  const plcTags = ['press.temp', 'press.pressure', 'press.count', 'press.running', 'press.fault', 'press.motor'];

  before(async () => {
    // float32 CDAB 21.5 (0x41AC0000), int16 -123 (×0.1 = -12.3), uint32 3 000 000 000 (0xB2D05E00), bit 3 set.
    holding.splice(0, 6, 0x0000, 0x41ac, 0xff85, 0xb2d0, 0x5e00, 0b1000);
    coils[7] = true;
    plcPort = await freePort();
    plc = await startPlc(plcPort);
    silent = await startSilentPlc();
    silentSockets = silent.sockets;
    const silentPort = silent.port;

    const plant = plantSchema.parse({
      name: 'poller test',
      lines: [
        {
          id: 'press',
          name: 'Press',
          connections: [
            {
              id: 'plc',
              protocol: 'tcp',
              host: '127.0.0.1',
              port: plcPort,
              scanMs: SCAN_MS,
              timeoutMs: 500,
              tags: [
                { name: 'temp', area: 'holding', address: 0, type: 'float32', wordOrder: 'CDAB' },
                { name: 'pressure', area: 'holding', address: 2, type: 'int16', scale: 0.1 },
                { name: 'count', area: 'holding', address: 3, type: 'uint32' },
                { name: 'running', area: 'holding', address: 5, type: 'bool', bit: 3 },
                { name: 'fault', area: 'holding', address: 5, type: 'bool', bit: 0 },
                { name: 'motor', area: 'coil', address: 7, type: 'bool' },
                { name: 'missing', area: 'input', address: 600, type: 'uint16' },
              ],
            },
          ],
        },
        {
          id: 'oven',
          name: 'Oven (PLC accepts, never answers)',
          connections: [
            {
              id: 'silent',
              protocol: 'tcp',
              host: '127.0.0.1',
              port: silentPort,
              scanMs: SCAN_MS,
              timeoutMs: 1000,
              tags: [{ name: 'temp', area: 'holding', address: 0, type: 'uint16' }],
            },
          ],
        },
        {
          id: 'sim',
          name: 'Simulated, not up yet',
          connections: [
            {
              id: 'simplc',
              protocol: 'tcp',
              port: 0,
              simulated: true,
              scanMs: SCAN_MS,
              tags: [{ name: 'speed', area: 'holding', address: 2, type: 'int16', scale: 0.1 }],
            },
          ],
        },
        {
          id: 'serial',
          name: 'RTU line',
          connections: [{ id: 'rtu', protocol: 'rtu', path: '/dev/ttyUSB9', tags: [{ name: 'x', area: 'holding', address: 0, type: 'uint16' }] }],
        },
      ],
    });

    poller = createPoller({
      plant,
      log: captured.log,
      onSamples(batch) {
        batches.push({ at: performance.now(), batch });
        for (const s of batch.samples) latest.set(s.tag, s);
      },
      onConnectionState: (s) => states.push(s),
      onPoll: (connection, poll) => polls.push({ connection, ...poll }),
    });
    await poller.start();
  });

  after(async () => {
    await poller?.stop();
    await closePlc(plc).catch(() => {});
    await silent?.close();
  });

  it('delivers values decoded and scaled: float32 CDAB, int16 × 0.1, uint32, bits, coil', async () => {
    await waitFor('good values', () => plcTags.every((t) => quality(t) === 'good'), 5000);
    assert.equal(value('press.temp'), 21.5);
    assert.ok(Math.abs(value('press.pressure')! - -12.3) < 1e-9);
    assert.equal(value('press.count'), 3_000_000_000);
    assert.equal(value('press.running'), 1);
    assert.equal(value('press.fault'), 0);
    assert.equal(value('press.motor'), 1);
    const b = batches.find((x) => x.batch.samples.some((s) => s.tag === 'press.temp'))!.batch;
    assert.equal(b.line, 'press');
    assert.equal(b.connection, 'plc');
    assert.ok(Math.abs(b.readAt - Date.now()) < 5000, 'readAt is epoch ms');
    assert.ok(b.samples.every((s) => Number.isInteger(s.ts) && Math.abs(s.ts - Date.now()) < 5000));
  });

  it('one batch per block read: the holding block carries its five tags together', () => {
    const holdingBatch = batches.find((x) => x.batch.samples.some((s) => s.tag === 'press.temp'))!.batch;
    assert.deepEqual(holdingBatch.samples.map((s) => s.tag).sort(), ['press.count', 'press.fault', 'press.pressure', 'press.running', 'press.temp']);
  });

  it('an exception reply makes only its tags bad, with the exception as reason, once', async () => {
    await waitFor('missing tag bad', () => quality('press.missing') === 'bad', 2000);
    assert.equal(reason('press.missing'), 'exception 02 (illegal data address)');
    // Three more reads of that block fail the same way (each in the poll metrics): a repeated
    // report would have come with one of them, in the same message.
    const failedReads = () => polls.filter((p) => p.connection === 'plc' && !p.ok).length;
    const failedBefore = failedReads();
    await waitFor('three more failed reads', () => failedReads() >= failedBefore + 3, 5000);
    const reports = batches.flatMap((x) => x.batch.samples).filter((s) => s.tag === 'press.missing');
    assert.equal(reports.length, 1, 'reported on change only');
    assert.ok(
      polls.some((p) => p.connection === 'plc' && !p.ok),
      'the failed read is in the poll metrics',
    );
    assert.equal(quality('press.temp'), 'good', 'the rest of the connection is unaffected');
  });

  it('register changes show up at the next scan', async () => {
    const from = batches.length;
    holding[0] = 0x0000;
    holding[1] = 0x41b6; // 22.75
    coils[7] = false;
    await waitFor('new values', () => value('press.temp') === 22.75 && value('press.motor') === 0, 5000);
    // Counted in reads, not ms: a read of each block may have been in flight when the
    // registers changed, so the new value comes with the first or the second read after it.
    for (const [tag, changed] of [
      ['press.temp', 22.75],
      ['press.motor', 0],
    ] as const) {
      const reads = batches.slice(from).flatMap((x) => x.batch.samples.filter((s) => s.tag === tag));
      const first = reads.findIndex((s) => s.value === changed);
      assert.ok(first >= 0 && first <= 1, `${tag}: the new value came with read ${first + 1} after the change`);
    }
  });

  it('an RTU connection whose serial port does not exist: its tags bad "no such port" (RTU itself: rtu.test.ts)', () => {
    assert.equal(quality('serial.x'), 'bad');
    assert.equal(reason('serial.x'), 'no such port');
    assert.ok(states.some((s) => s.connection === 'rtu' && s.state === 'disconnected' && s.error === 'no such port'));
  });

  it('a port-0 connection waits with "no endpoint", and setEndpoint connects it at once', async () => {
    assert.equal(quality('sim.speed'), 'bad');
    assert.equal(reason('sim.speed'), 'no endpoint');
    poller.setEndpoint('simplc', '127.0.0.1', plcPort);
    const ms = await waitFor('sim good', () => quality('sim.speed') === 'good', 2000);
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
    assert.ok(Math.abs(value('sim.speed')! - -12.3) < 1e-9);
    assert.throws(() => poller.setEndpoint('nope', '127.0.0.1', 1), /no connection "nope"/);
    assert.throws(() => poller.setEndpoint('rtu', '127.0.0.1', 1), /not TCP/);
  });

  it('a PLC that never answers goes stale, then bad (timeout), and does not delay another PLC', async () => {
    // The silent PLC accepts, so the read hangs for its 1 s timeout: stale first (watchdog), then bad.
    await waitFor('silent stale or bad', () => quality('oven.temp') !== undefined, 3000);
    const window0 = performance.now();
    await waitFor('silent bad', () => quality('oven.temp') === 'bad', 3000);
    const oven = batches.flatMap((x) => x.batch.samples).filter((s) => s.tag === 'oven.temp');
    assert.deepEqual(
      oven.slice(0, 2).map((s) => [s.quality, s.reason]),
      [
        ['stale', 'no fresh read'],
        ['bad', 'timeout'],
      ],
    );
    assert.ok(silentSockets.size <= 1, 'the timed-out socket was closed before reconnecting');

    // Watch the healthy PLC's scan while the silent one keeps timing out and reconnecting.
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (performance.now() - window0))));
    const readAts = batches.filter((x) => x.at >= window0 && x.batch.samples.some((s) => s.tag === 'press.temp')).map((x) => x.batch.readAt);
    const gaps = readAts.slice(1).map((t, i) => t - readAts[i]!);
    const maxGap = Math.max(...gaps);
    // Held up by the silent PLC would mean a gap of one of its read timeouts (1 s). How regular
    // the scan is meanwhile (mean, p99, max interval) is a figure of bench:poller-scan.
    assert.ok(gaps.length >= 5, `${gaps.length} reads in 2 s`);
    assert.ok(maxGap < 1000, `max interval ${maxGap.toFixed(1)} ms: a read waited for the silent PLC's timeout`);
    assert.ok(polls.some((p) => p.connection === 'silent' && !p.ok));
  });

  it('closing the server flips its tags to bad within 2 scan periods; restarting brings them back', async () => {
    const closedAt = performance.now();
    await closePlc(plc);
    const ms = await waitFor('bad', () => plcTags.every((t) => quality(t) === 'bad'), 10 * SCAN_MS);
    const flipped = performance.now() - closedAt;
    assert.ok(flipped <= 2 * SCAN_MS, `bad after ${flipped.toFixed(0)} ms (${ms.toFixed(0)})`);
    assert.equal(reason('press.temp'), 'closed');
    assert.equal(value('press.temp'), 22.75, 'keeps the last value');
    assert.ok(states.some((s) => s.connection === 'plc' && s.state === 'disconnected'));

    const refusedBefore = polls.filter((p) => p.connection === 'plc' && p.connect).length;
    // Refused reconnects count as poll errors (and the tags stay bad, reported once: see below).
    await waitFor(
      'a refused reconnect in the poll metrics',
      () => polls.filter((p) => p.connection === 'plc' && p.connect && !p.ok).length > refusedBefore,
      5000,
    );
    plc = await startPlc(plcPort);
    await waitFor('good again', () => plcTags.every((t) => quality(t) === 'good') && quality('sim.speed') === 'good', 5000);
    assert.equal(states.filter((s) => s.connection === 'plc').at(-1)?.state, 'connected');
    const temps = batches.flatMap((x) => x.batch.samples).filter((s) => s.tag === 'press.temp' && s.quality === 'bad');
    assert.ok(temps.length <= 2, `bad reported on change only (${temps.map((s) => s.reason).join(', ')})`);
  });

  it('stop() resolves promptly, closes every socket and ends the stream of samples', async () => {
    const started = performance.now();
    await poller.stop();
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `stop took ${ms.toFixed(0)} ms`);
    await poller.stop(); // a second call is harmless
    const count = batches.length;
    await waitFor('sockets closed', () => silentSockets.size === 0 && plc.socks.size === 0, 1000);
    await new Promise((r) => setTimeout(r, 3 * SCAN_MS));
    assert.equal(batches.length, count, 'no samples after stop');
    await assert.rejects(poller.start(), /after stop/);
    assert.deepEqual(
      logs.filter((l) => /threw/.test(l)),
      [],
      'no callback errors',
    );
  });
});
