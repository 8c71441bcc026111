import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ProcessInfo } from '../../lib/types.ts';
import type { LineView } from '../../lib/plant/describe.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { json } from '../helpers/scenarios.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import ModbusRTU from 'modbus-serial';

/**
 * Writes to a PLC end to end (issue 21): a real server, its simulated PLC (a real Modbus TCP
 * server in a child process), the poller's connection, the read-back, the audit log.
 */

const plant = parsePlant({
  name: 'writes',
  lines: [
    {
      id: 'oven',
      name: 'Oven',
      simulation: { autoStart: true, scenario: 'normal' },
      connections: [
        {
          id: 'oven-plc',
          protocol: 'tcp',
          port: 0,
          simulated: true,
          scanMs: 200,
          timeoutMs: 500,
          tags: [
            {
              name: 'temp',
              area: 'holding',
              address: 0,
              type: 'float32',
              unit: '°C',
              sim: { model: 'analog', nominal: 180, noise: 0.2, follows: 'setpoint', followTauS: 1 },
            },
            {
              name: 'setpoint',
              label: 'Oven setpoint',
              area: 'holding',
              address: 10,
              type: 'float32',
              wordOrder: 'CDAB',
              unit: '°C',
              sim: { model: 'constant', nominal: 180 },
              writable: { min: 100, max: 250, step: 0.5 },
            },
            {
              name: 'fan-speed',
              area: 'holding',
              address: 20,
              type: 'int16',
              scale: 0.1,
              decimals: 1,
              sim: { model: 'constant', nominal: 50 },
              writable: { min: 0, max: 100, role: 'admin', confirm: false },
            },
            { name: 'reset', label: 'Reset fault', area: 'coil', address: 5, type: 'bool', decimals: 0, writable: { pulseMs: 300 } },
          ],
        },
      ],
    },
  ],
});

let server: TestServer;
before(async () => {
  server = await startTestServer({ plant });
  await waitFor('the setpoint read', async () => (await tagView('oven.setpoint'))?.current?.quality === 'good');
});
after(() => server?.close());

async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tagView(id: string) {
  const { lines } = await json<{ lines: LineView[] }>(server.api('/api/lines', { as: 'viewer' }));
  return lines.flatMap((l) => l.tags).find((t) => t.id === id);
}

const write = (id: string, body: unknown, as: 'viewer' | 'operator' | 'admin' = 'operator') =>
  server.api(`/api/tags/${encodeURIComponent(id)}/write`, { as, method: 'POST', body: JSON.stringify(body) });

async function simulatorPort(): Promise<number> {
  const { processes } = await json<{ processes: ProcessInfo[] }>(server.api('/api/processes', { as: 'viewer' }));
  return processes.find((p) => p.id.includes('oven-plc'))!.info.port as number;
}

test('/api/lines marks the writable tags with their limits', async () => {
  const sp = await tagView('oven.setpoint');
  assert.deepEqual(sp?.writable, { min: 100, max: 250, step: 0.5, confirm: true, role: 'operator' });
  assert.equal((await tagView('oven.temp'))?.writable, undefined);
});

test('a setpoint written by an operator is confirmed by its read-back, and an independent client reads the encoded value', async () => {
  const res = await write('oven.setpoint', { value: 192.5, confirm: true });
  assert.equal(res.status, 200, await res.clone().text());
  const outcome = (await res.json()) as { outcome: string; readBack: number; previous: number; message: string };
  assert.equal(outcome.outcome, 'confirmed');
  assert.equal(outcome.readBack, 192.5);
  assert.equal(outcome.previous, 180);
  assert.equal(outcome.message, 'confirmed');

  // Another Modbus client (not Linewatch's poller) reads the registers: float32, CDAB word order.
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port: await simulatorPort() });
  client.setID(1);
  try {
    const { buffer } = await client.readHoldingRegisters(10, 2);
    const abcd = Buffer.concat([buffer.subarray(2, 4), buffer.subarray(0, 2)]);
    assert.equal(abcd.readFloatBE(0), 192.5);
  } finally {
    client.close(() => {});
  }
  assert.equal((await tagView('oven.setpoint'))?.current?.value, 192.5);
  // The simulated oven follows its new setpoint (time constant 1 s): 180 → 192.5.
  await waitFor('the temperature moving toward the setpoint', async () => ((await tagView('oven.temp'))?.current?.value ?? 0) > 189, 10_000);

  const audit = await json<{ entries: { action: string; target: string; username: string; result: string; detail: string }[] }>(
    server.api('/api/audit?action=tag.write', { as: 'admin' }),
  );
  const row = audit.entries.find((e) => e.action === 'tag.write' && e.target === 'oven.setpoint');
  assert.equal(row?.username, 'operator');
  assert.equal(row?.result, 'ok');
  assert.equal(row?.detail, '180 → 192.5 °C; read back 192.5 °C');
});

test('refused with a clear reason: outside the limits, no confirmation, role too low, too soon, not writable', async () => {
  const low = await write('oven.setpoint', { value: 99, confirm: true });
  assert.equal(low.status, 400);
  const lowBody = (await low.json()) as { error: { field: string; message: string } };
  assert.equal(lowBody.error.field, 'value');
  assert.match(lowBody.error.message, /at least 100 °C/);
  assert.equal(((await (await write('oven.setpoint', { value: 190 })).json()) as { error: { field: string } }).error.field, 'confirm');
  assert.equal((await write('oven.setpoint', { value: 190, confirm: true }, 'viewer')).status, 403, 'viewers never write');
  assert.equal((await write('oven.fan-speed', { value: 40 })).status, 403, 'an admin-only tag');
  const byAdmin = await write('oven.fan-speed', { value: 42.5 }, 'admin');
  assert.equal(byAdmin.status, 200, await byAdmin.clone().text());
  assert.equal(((await byAdmin.json()) as { readBack: number }).readBack, 42.5);
  const again = await write('oven.fan-speed', { value: 43 }, 'admin');
  assert.equal(again.status, 429, 'the same tag within 1 s');
  assert.equal(((await (await write('oven.temp', { value: 1 })).json()) as { error: { field: string } }).error.field, 'id');
  assert.equal((await write('oven.nothing', { value: 1 })).status, 404);
  assert.equal((await write('oven.setpoint', { value: 'hot', confirm: true })).status, 400);
});

test('a momentary command is pulsed: 1, then 0 after its pulse', async () => {
  const res = await write('oven.reset', { value: true, confirm: true });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(((await res.json()) as { message: string }).message, 'pulse sent (300 ms)');
  await waitFor('the coil back at 0', async () => (await tagView('oven.reset'))?.current?.value === 0);
});

test('a write while the PLC is stopped is refused with 409 and the reason', async () => {
  const stop = await server.api('/api/lines/oven/simulation', { as: 'operator', method: 'DELETE' });
  assert.equal(stop.status, 200);
  await waitFor('the setpoint bad', async () => (await tagView('oven.setpoint'))?.current?.quality !== 'good');
  await new Promise((r) => setTimeout(r, 1100));
  const res = await write('oven.setpoint', { value: 190, confirm: true });
  assert.equal(res.status, 409);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /is (bad|stale).*nothing is written/);
});
