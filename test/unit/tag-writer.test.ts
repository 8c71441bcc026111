import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../lib/modbus/codec.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import type { WriteRequest } from '../../server/poller/messages.ts';
import { checkedValue, createTagWriter, readBackTolerance, writeRequestOf, writableTag } from '../../server/writes/tag-writer.ts';
import type { Sample } from '../../lib/types.ts';

/** The write policy (limits, confirmation, quality, rate, encoding, read-back) on its own; the wire path is in test/integration/tag-writes.test.ts. */

const plant = parsePlant({
  name: 'p',
  lines: [
    {
      id: 'l1',
      name: 'L1',
      connections: [
        {
          id: 'plc',
          protocol: 'tcp',
          port: 502,
          scanMs: 100,
          timeoutMs: 200,
          tags: [
            { name: 'sp', area: 'holding', address: 10, type: 'float32', wordOrder: 'CDAB', unit: '°C', writable: { min: 100, max: 250, step: 0.5 } },
            {
              name: 'speed',
              area: 'holding',
              address: 20,
              type: 'int16',
              scale: 0.1,
              decimals: 1,
              writable: { min: 0, max: 120, confirm: false, role: 'admin' },
            },
            { name: 'reset', area: 'coil', address: 3, type: 'bool', writable: { pulseMs: 50 } },
            { name: 'enable', area: 'holding', address: 30, type: 'bool', bit: 4, writable: { confirm: false, minIntervalMs: 0 } },
            { name: 'temp', area: 'input', address: 0, type: 'float32' },
          ],
        },
      ],
    },
  ],
});
const tagOf = (name: string) => writableTag(plant, `l1.${name}`);
const actor = { username: 'olga', ip: '10.0.0.9' };

test('values are checked against the limits and the step, naming `value`', () => {
  const { tag, writable } = tagOf('sp');
  assert.equal(checkedValue(tag, writable!, 180.5), 180.5);
  assert.throws(() => checkedValue(tag, writable!, 99), { status: 400, field: 'value', message: /at least 100 °C/ });
  assert.throws(() => checkedValue(tag, writable!, 250.5), { status: 400, field: 'value', message: /at most 250 °C/ });
  assert.throws(() => checkedValue(tag, writable!, 180.2), { field: 'value', message: /steps of 0.5/ });
  assert.throws(() => checkedValue(tag, writable!, Number.NaN), { field: 'value' });
  const reset = tagOf('reset');
  assert.equal(checkedValue(reset.tag, reset.writable!, true), 1);
  assert.throws(() => checkedValue(reset.tag, reset.writable!, 2), { field: 'value', message: /0 or 1/ });
});

test('encoding: registers in the tag’s type and word order (the inverse of decoding), coils, bits of a register', () => {
  const sp = tagOf('sp').tag;
  const request = writeRequestOf(sp, 182.5) as { area: 'holding'; values: number[] };
  assert.equal(request.values.length, 2);
  assert.equal(decode(request.values, 0, sp), 182.5);
  const speed = tagOf('speed').tag;
  assert.deepEqual(writeRequestOf(speed, 55.5), { area: 'holding', address: 20, values: [555] });
  assert.deepEqual(writeRequestOf(tagOf('reset').tag, 1), { area: 'coil', address: 3, values: [1] });
  assert.deepEqual(writeRequestOf(tagOf('enable').tag, 0), { area: 'holding', address: 30, bit: 4, on: false });
  assert.equal(readBackTolerance(speed, 55.5), 0.05);
});

/** A writer over a scripted PLC: `answer` decides what each request gets; reads are fed by the test. */
function scripted(current: Partial<Record<string, Sample>>) {
  const sent: WriteRequest[] = [];
  let clock = 1_000_000;
  const audit: string[] = [];
  const writer = createTagWriter({
    plant: () => plant,
    value: (tag) => current[tag],
    async send(_connection, request) {
      sent.push(request);
      return performance.timeOrigin + performance.now();
    },
    audit: (e) => audit.push(`${e.action} ${e.target} ${e.result}: ${e.detail}`),
    now: () => clock,
  });
  return { writer, sent, audit, tick: (ms: number) => (clock += ms) };
}

const good = (tag: string, value: number): Sample => ({ tag, ts: Date.now(), value, quality: 'good' });

test('refused before anything is sent: not writable, no confirmation, quality not good, too soon after the last write', async () => {
  const t = scripted({
    'l1.sp': good('l1.sp', 180),
    'l1.temp': good('l1.temp', 20),
    'l1.speed': { tag: 'l1.speed', ts: 1, value: null, quality: 'bad', reason: 'timeout' },
  });
  await assert.rejects(() => t.writer.write('l1.temp', { value: 1 }, actor), { status: 400, field: 'id', message: /not writable/ });
  await assert.rejects(() => t.writer.write('l1.nothing', { value: 1 }, actor), { status: 404 });
  await assert.rejects(() => t.writer.write('l1.sp', { value: 190 }, actor), { status: 400, field: 'confirm' });
  await assert.rejects(() => t.writer.write('l1.speed', { value: 10 }, actor), { status: 409, message: /bad \(timeout\)/ });
  assert.deepEqual(t.sent, []);

  // The read-back: a batch read after the write's answer.
  const first = t.writer.write('l1.sp', { value: 190, confirm: true }, actor);
  await new Promise((r) => setTimeout(r, 5));
  t.writer.onBatch({ readAt: performance.timeOrigin + performance.now(), samples: [good('l1.sp', 190)] });
  const outcome = await first;
  assert.equal(outcome.outcome, 'confirmed');
  assert.equal(outcome.previous, 180);
  await assert.rejects(() => t.writer.write('l1.sp', { value: 191, confirm: true }, actor), { status: 429, message: /written 0 ms ago/ });
  t.tick(1000);
  const second = t.writer.write('l1.sp', { value: 191, confirm: true }, actor);
  await new Promise((r) => setTimeout(r, 5));
  t.writer.onBatch({ readAt: performance.timeOrigin + performance.now(), samples: [good('l1.sp', 185)] });
  const refused = await second;
  assert.equal(refused.outcome, 'not-confirmed');
  assert.equal(refused.message, 'not confirmed: PLC shows 185.0 °C');
  assert.deepEqual(t.audit, ['tag.write l1.sp ok: 180 → 190 °C; read back 190 °C', 'tag.write l1.sp not confirmed: 180 → 191 °C; read back 185 °C']);
});

test('a momentary command is written 1, then 0 after its pulse', async () => {
  const t = scripted({ 'l1.reset': good('l1.reset', 0) });
  const started = performance.now();
  const outcome = await t.writer.write('l1.reset', { value: true, confirm: true }, actor);
  assert.ok(performance.now() - started >= 45);
  assert.deepEqual(
    t.sent.map((r) => ('values' in r ? r.values : r)),
    [[1], [0]],
  );
  assert.equal(outcome.message, 'pulse sent (50 ms)');
});
