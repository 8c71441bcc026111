import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ServerTCP } from 'modbus-serial';
import { plantSchema } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { createPoller, type Poller } from '../../server/poller/poller.ts';
import { freePort } from '../helpers/free-port.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { startFaultProxy, type FaultProxy, type ReplyFault } from '../helpers/fault-proxy.ts';

/**
 * Faults the poller must see at once (issue 22), not at the request timeout (5 s here): a
 * connection reset, malformed replies. Between the poller and a real Modbus TCP server, a proxy
 * that resets every connection on demand, and one that spoils replies.
 */

let plc: ServerTCP;
let proxy: TcpProxy;
let faulty: FaultProxy;
let poller: Poller;
const latest = new Map<string, Sample>();
const waitFor = async (what: string, check: () => boolean, ms: number) => {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - started;
};

before(async () => {
  const port = await freePort();
  plc = await new Promise<ServerTCP>((resolve, reject) => {
    const server = new ServerTCP({ getHoldingRegister: () => 7 }, { host: '127.0.0.1', port, unitID: 1 });
    server.on('socketError', () => {});
    server.once('serverError', reject);
    server.once('initialized', () => resolve(server));
  });
  proxy = await startTcpProxy({ host: '127.0.0.1', port });
  faulty = await startFaultProxy({ host: '127.0.0.1', port });
  const plant = plantSchema.parse({
    name: 'reset',
    lines: [
      {
        id: 'press',
        name: 'Press',
        connections: [
          {
            id: 'press-plc',
            protocol: 'tcp',
            host: '127.0.0.1',
            port: proxy.port,
            scanMs: 200,
            timeoutMs: 5000,
            tags: [{ name: 'temp', area: 'holding', address: 0, type: 'uint16' }],
          },
          {
            id: 'press-plc2',
            protocol: 'tcp',
            host: '127.0.0.1',
            port: faulty.port,
            scanMs: 200,
            timeoutMs: 5000,
            tags: [{ name: 'pressure', area: 'holding', address: 0, type: 'uint16' }],
          },
        ],
      },
    ],
  });
  poller = createPoller({
    plant,
    onSamples: ({ samples }) => {
      for (const s of samples) latest.set(s.tag, s);
    },
    backoff: { minMs: 50, maxMs: 200 },
  });
  await poller.start();
});
after(async () => {
  await poller?.stop();
  await proxy?.close();
  await faulty?.close();
  await new Promise<void>((resolve) => plc.close(() => resolve()));
});

test('a reset turns the tags bad within 100 ms with the reason "reset", and they read again once the PLC answers', async () => {
  for (let round = 0; round < 3; round++) {
    await waitFor('a good read', () => latest.get('press.temp')?.quality === 'good', 5000);
    await new Promise((r) => setTimeout(r, 50 + round * 70));
    await proxy.cut();
    const took = await waitFor('bad quality', () => latest.get('press.temp')?.quality === 'bad', 1000);
    assert.ok(took <= 100, `round ${round}: bad after ${took.toFixed(0)} ms`);
    assert.equal(latest.get('press.temp')?.reason, 'reset', `round ${round}`);
    await proxy.restore();
  }
});

const malformed: [ReplyFault, RegExp][] = [
  ['protocol-id', /^bad reply: protocol id 7$/],
  ['garbage', /^bad reply: protocol id \d+$/],
  ['longer', /^bad reply: length 9, expected 5$/],
  ['shorter', /^bad reply: length 4, expected 5$/],
  ['unit-id', /^bad reply: unit id 42$/],
];

test('a malformed reply turns the tags bad as it arrives (the next scan, not the 5 s timeout), saying what was wrong; good replies read again', async () => {
  for (const [fault, reason] of malformed) {
    await waitFor('a good read', () => latest.get('press.pressure')?.quality === 'good', 5000);
    faulty.set(fault);
    const took = await waitFor(`bad quality (${fault})`, () => latest.get('press.pressure')?.quality === 'bad', 1000);
    // The fault is set between two scans (200 ms): the next reply is the spoiled one.
    assert.ok(took <= 200 + 100, `${fault}: bad after ${took.toFixed(0)} ms`);
    assert.match(latest.get('press.pressure')?.reason ?? '', reason, fault);
    faulty.set('none');
  }
  // Recovered within the backoff (50–200 ms here), no good sample ever carried a spoiled value.
  await waitFor('good again', () => latest.get('press.pressure')?.quality === 'good', 2000);
  assert.equal(latest.get('press.pressure')?.value, 7);
});
