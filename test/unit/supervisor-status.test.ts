import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessStatus } from '../../lib/types.ts';
import { allowedTransitions, assertTransition, canTransition, classifyExit, IllegalTransitionError, isLive } from '../../server/supervisor/process-status.ts';

const statuses: ProcessStatus[] = ['starting', 'running', 'stopping', 'stopped', 'crashed'];

// Written out by hand (not derived from the table under test).
const allowed = [
  'starting→running',
  'starting→stopping',
  'starting→stopped',
  'starting→crashed',
  'running→stopping',
  'running→stopped',
  'running→crashed',
  'stopping→stopped',
  'stopping→crashed',
  'crashed→starting',
];

test('every allowed transition passes', () => {
  for (const pair of allowed) {
    const [from, to] = pair.split('→') as [ProcessStatus, ProcessStatus];
    assert.ok(canTransition(from, to), pair);
    assert.equal(assertTransition(from, to), to, pair);
  }
});

test('every other transition is illegal and throws with a stable code', () => {
  let illegal = 0;
  for (const from of statuses) {
    for (const to of statuses) {
      if (allowed.includes(`${from}→${to}`)) continue;
      illegal += 1;
      assert.equal(canTransition(from, to), false, `${from}→${to}`);
      assert.throws(
        () => assertTransition(from, to),
        (error: unknown) => error instanceof IllegalTransitionError && error.code === 'LW_ILLEGAL_TRANSITION' && error.from === from && error.to === to,
        `${from}→${to}`,
      );
    }
  }
  assert.equal(illegal, 25 - allowed.length);
});

test('the notable illegal ones', () => {
  for (const [from, to] of [
    ['stopped', 'starting'], // a stopped record is replaced, never revived
    ['stopped', 'running'],
    ['crashed', 'running'],
    ['running', 'starting'],
    ['stopping', 'running'],
    ['running', 'running'],
  ] as const) {
    assert.equal(canTransition(from, to), false, `${from}→${to}`);
  }
  assert.deepEqual(allowedTransitions.stopped, []);
});

test('live statuses', () => {
  assert.deepEqual(statuses.filter(isLive), ['starting', 'running', 'stopping']);
});

test('exit classification', () => {
  const cases: [ProcessStatus, number | null, string | null, boolean, 'stopped' | 'crashed'][] = [
    ['stopping', null, 'SIGKILL', false, 'stopped'],
    ['stopping', 1, null, false, 'stopped'],
    ['stopping', 0, null, false, 'stopped'],
    ['stopping', null, 'SIGTERM', true, 'crashed'], // killed for missing its ready deadline
    ['running', 0, null, false, 'stopped'],
    ['starting', 0, null, false, 'stopped'],
    ['running', 1, null, false, 'crashed'],
    ['running', null, 'SIGTERM', false, 'crashed'], // killed by someone else
    ['starting', null, null, false, 'crashed'], // spawn failure
  ];
  for (const [status, code, signal, forced, expected] of cases) {
    assert.equal(classifyExit(status, code, signal, forced), expected, `${status} ${code} ${signal} ${forced}`);
  }
});
