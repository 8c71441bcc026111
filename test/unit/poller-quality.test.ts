import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModbusReadError } from '../../lib/errors.ts';
import { exceptionReason, isExceptionReply, reasonOf } from '../../server/poller/modbus-session.ts';
import { STALE_REASON, createTagQuality } from '../../server/poller/tag-quality.ts';

const tags = [
  { id: 'l.a', scanMs: 100 },
  { id: 'l.b', scanMs: 1000 },
];

test('good reads always yield a sample', () => {
  const q = createTagQuality(tags, 0);
  assert.deepEqual(q.good('l.a', 1.5, 1000, 10), { tag: 'l.a', ts: 1000, value: 1.5, quality: 'good' });
  assert.deepEqual(q.good('l.a', 1.5, 1100, 110), { tag: 'l.a', ts: 1100, value: 1.5, quality: 'good' });
});

test('bad yields a sample only when quality or reason changes, with the last value and the change time', () => {
  const q = createTagQuality(tags, 0);
  q.good('l.a', 42, 1000, 0);
  assert.deepEqual(q.bad('l.a', 'timeout', 2000), { tag: 'l.a', ts: 2000, value: 42, quality: 'bad', reason: 'timeout' });
  assert.equal(q.bad('l.a', 'timeout', 2100), undefined);
  assert.deepEqual(q.bad('l.a', 'refused', 2200), { tag: 'l.a', ts: 2200, value: 42, quality: 'bad', reason: 'refused' });
  assert.equal(q.good('l.a', 43, 2300, 0).quality, 'good');
  assert.equal(q.bad('l.a', 'refused', 2400)?.reason, 'refused', 'a new failure after recovery is reported');
  assert.equal(q.bad('l.b', 'closed', 2500)?.value, null, 'never read: null value');
});

test('the watchdog marks tags stale after 2 scan periods without a fresh read, once', () => {
  const q = createTagQuality(tags, 0);
  assert.deepEqual(q.sweep(5000, 200), [], 'exactly 2 periods is still fresh');
  assert.deepEqual(q.sweep(5001, 201), [{ tag: 'l.a', ts: 5001, value: null, quality: 'stale', reason: STALE_REASON }]);
  assert.deepEqual(q.sweep(5002, 300), [], 'already stale: no repeat');
  q.good('l.a', 7, 6000, 400);
  assert.deepEqual(q.sweep(6100, 550), []);
  assert.deepEqual(
    q.sweep(6200, 601).map((s) => [s.tag, s.value, s.quality]),
    [['l.a', 7, 'stale']],
  );
  assert.deepEqual(
    q.sweep(6300, 2001).map((s) => s.tag),
    ['l.b'],
    'its own period',
  );
});

test('the watchdog never turns bad into stale; bad after stale is reported', () => {
  const q = createTagQuality(tags, 0, 3);
  q.bad('l.a', 'refused', 100);
  assert.deepEqual(
    q.sweep(1000, 10_000).map((s) => s.tag),
    ['l.b'],
  );
  assert.equal(q.bad('l.b', 'timeout', 1100)?.quality, 'bad');
  assert.deepEqual(q.current('l.b'), { value: null, quality: 'bad', reason: 'timeout' });
});

test('unknown tags are a programming error', () => {
  assert.throws(() => createTagQuality(tags, 0).good('l.zz', 1, 0, 0), RangeError);
});

test('failure reasons are short and stable', () => {
  const err = (props: Record<string, unknown>) => Object.assign(new Error(String(props.message ?? '')), props);
  const cases: [unknown, string][] = [
    [err({ modbusCode: 2, message: 'Modbus exception 2: Illegal data address' }), 'exception 02 (illegal data address)'],
    [err({ modbusCode: 11 }), 'exception 0B (gateway target failed to respond)'],
    [err({ modbusCode: 99 }), 'exception 63 (unknown)'],
    [err({ message: 'Port Not Open', errno: 'ECONNREFUSED' }), 'closed'],
    [err({ message: 'Timed out', errno: 'ETIMEDOUT' }), 'timeout'],
    [err({ message: 'TCP Connection Timed Out' }), 'timeout'],
    [err({ message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' }), 'refused'],
    [err({ message: 'read ECONNRESET', code: 'ECONNRESET' }), 'reset'],
    [err({ message: 'x', code: 'EHOSTUNREACH' }), 'unreachable'],
    [err({ message: 'getaddrinfo ENOTFOUND plc', code: 'ENOTFOUND' }), 'host not found'],
    [err({ message: 'CRC error' }), 'bad reply'],
    [err({ message: 'x', code: 'EWEIRD' }), 'eweird'],
    [err({ message: 'something else' }), 'something else'],
    [undefined, 'unknown error'],
  ];
  for (const [error, reason] of cases) assert.equal(reasonOf(error), reason);
  assert.equal(exceptionReason(2), 'exception 02 (illegal data address)');
});

test('only an exception reply keeps the connection', () => {
  assert.equal(isExceptionReply(new ModbusReadError('exception 02 (illegal data address)', { cause: { modbusCode: 2 } })), true);
  assert.equal(isExceptionReply(new ModbusReadError('timeout')), false);
  assert.equal(isExceptionReply(new ModbusReadError('refused', { cause: new Error('ECONNREFUSED') })), false);
});
