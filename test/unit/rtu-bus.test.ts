import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModbusReadError } from '../../lib/errors.ts';
import { rtuFrame } from '../../lib/modbus/rtu-frame.ts';
import { createRtuBus } from '../../server/poller/rtu-bus.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SILENCE_MS = 20;

/** A bus on an in-memory line; `answer` plays the devices: called with each frame the bus sends. */
function busOnLine(answer: (frame: Buffer, reply: (bytes: Buffer) => void) => void) {
  const bus = createRtuBus({ charMs: 0, silenceMs: SILENCE_MS });
  const sent: { at: number; frame: Buffer }[] = [];
  const received: number[] = [];
  const reply = (bytes: Buffer) => {
    received.push(performance.now());
    bus.onData(bytes);
  };
  bus.attach({
    write(bytes) {
      const frame = Buffer.from(bytes);
      sent.push({ at: performance.now(), frame });
      answer(frame, reply);
    },
    close: async () => {},
  });
  return { bus, sent, received };
}

const read = hex('03 0000 0001');
const answerWith = (unit: number, word: string) => rtuFrame(unit, hex(`03 02 ${word}`));

test('one request at a time, each after the line was quiet for the silence', async () => {
  const { bus, sent, received } = busOnLine((frame, reply) => setTimeout(() => reply(answerWith(frame[0]!, '0001')), 2));
  const replies = await Promise.all([1, 2, 3].map((unit) => bus.request(unit, read, 500)));
  assert.deepEqual(replies, [hex('03 02 0001'), hex('03 02 0001'), hex('03 02 0001')]);
  assert.deepEqual(
    sent.map((s) => s.frame[0]),
    [1, 2, 3],
  );
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i]!.at - received[i - 1]! >= SILENCE_MS - 0.5, `gap ${sent[i]!.at - received[i - 1]!} ms`);
  await bus.close();
});

test('a dead unit holds the bus for its own timeout only; the next request then goes', async () => {
  const { bus } = busOnLine((frame, reply) => {
    if (frame[0] === 1) reply(answerWith(1, '00FF'));
  });
  const started = performance.now();
  const dead = bus.request(2, read, 80);
  const live = bus.request(1, read, 1000);
  await assert.rejects(dead, (e: unknown) => e instanceof ModbusReadError && e.reason === 'timeout');
  assert.deepEqual(await live, hex('03 02 00FF'));
  const took = performance.now() - started;
  assert.ok(took >= 80 && took < 80 + SILENCE_MS + 100, `${took.toFixed(0)} ms`);
  await bus.close();
});

test('a wrong CRC fails the request when the frame is complete, not at the timeout; a split reply is fine', async () => {
  let mode: 'crc' | 'split' = 'crc';
  const { bus } = busOnLine((frame, reply) => {
    const good = answerWith(frame[0]!, '1234');
    if (mode === 'crc') {
      good[good.length - 1]! ^= 0xff;
      reply(good);
    } else {
      reply(good.subarray(0, 3));
      setTimeout(() => reply(good.subarray(3)), 5);
    }
  });
  const started = performance.now();
  await assert.rejects(bus.request(1, read, 2000), (e: unknown) => e instanceof ModbusReadError && e.reason === 'bad reply: CRC');
  assert.ok(performance.now() - started < 500);
  mode = 'split';
  assert.deepEqual(await bus.request(1, read, 2000), hex('03 02 1234'));
  await bus.close();
});

test('a late reply to a timed-out request is discarded, and the next request waits until the line is quiet', async () => {
  let n = 0;
  const { bus, sent, received } = busOnLine((frame, reply) => {
    n++;
    // The first reply comes after its request timed out (60 ms), carrying an old value.
    if (n === 1) setTimeout(() => reply(answerWith(frame[0]!, 'DEAD')), 70);
    else setTimeout(() => reply(answerWith(frame[0]!, 'BEEF')), 2);
  });
  await assert.rejects(bus.request(1, read, 60), /timeout/);
  await sleep(15);
  assert.equal(received.length, 1, 'the late reply came while nothing was asked');
  assert.deepEqual(await bus.request(1, read, 500), hex('03 02 BEEF'));
  assert.equal(sent.length, 2);
  assert.ok(sent[1]!.at - received[0]! >= SILENCE_MS - 0.5, 'sent only after the late reply was followed by the silence');
  await bus.close();
});

test('close rejects what waits; a request after close is refused', async () => {
  const { bus } = busOnLine(() => {});
  const pending = bus.request(1, read, 5000);
  await bus.close();
  await assert.rejects(pending, /closed/);
  await assert.rejects(bus.request(1, read, 10), /closed/);
  assert.ok(bus.closed.aborted);
});
