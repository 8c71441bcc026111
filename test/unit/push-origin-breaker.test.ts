import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterResult, breakerSlots, closedBreaker, isOriginFailure, type BreakerState } from '../../server/push/origin-breaker.ts';

const o = { failures: 3, pauseMs: 1000, maxPauseMs: 3000 };

test('origin breaker: paused after `failures` in a row, one probe after the pause, doubling pauses up to the cap; a success resumes', () => {
  // Steps: `f@t` a failure at t, `s@t` a success at t; after each, the slots at that time (concurrency 4) and any change.
  const table: { name: string; steps: string[]; expected: string[] }[] = [
    { name: 'failures below the threshold', steps: ['f@0', 'f@1', 's@2', 'f@3', 'f@4'], expected: ['4', '4', '4', '4', '4'] },
    { name: 'paused on the third', steps: ['f@0', 'f@1', 'f@2'], expected: ['4', '4', '0 paused 1000'] },
    {
      name: 'late failures during a pause change nothing; a probe after it',
      steps: ['f@0', 'f@1', 'f@2', 'f@500', 'f@1002', 'f@2500', 'f@3003', 's@9002'],
      expected: ['4', '4', '0 paused 1000', '0', '0 paused 2000', '0', '0 paused 3000', '4 resumed'],
    },
    { name: 'a success during the pause resumes at once', steps: ['f@0', 'f@1', 'f@2', 's@10'], expected: ['4', '4', '0 paused 1000', '4 resumed'] },
    {
      name: 'resumed: the count starts again',
      steps: ['f@0', 'f@1', 'f@2', 's@1500', 'f@1600', 'f@1700'],
      expected: ['4', '4', '0 paused 1000', '4 resumed', '4', '4'],
    },
  ];
  for (const row of table) {
    let state: BreakerState = closedBreaker;
    const seen = row.steps.map((step) => {
      const [kind, at] = [step[0], Number(step.slice(2))];
      const next = afterResult(state, kind === 'f', at, o);
      state = next.state;
      const change = next.change ? ` ${next.change.kind}${next.change.kind === 'paused' ? ` ${next.change.ms}` : ''}` : '';
      return `${breakerSlots(state, at, 4)}${change}`;
    });
    assert.deepEqual(seen, row.expected, row.name);
  }
  const paused = afterResult(afterResult(afterResult(closedBreaker, true, 0, o).state, true, 0, o).state, true, 0, o).state;
  assert.equal(breakerSlots(paused, 999, 4), 0);
  assert.equal(breakerSlots(paused, 1000, 4), 1, 'the probe');
});

test('origin failures: no answer and 5xx; any other answer shows the push service is there', () => {
  const table: [number | null, boolean][] = [
    [null, true],
    [500, true],
    [503, true],
    [201, false],
    [400, false],
    [404, false],
    [410, false],
    [429, false],
  ];
  for (const [status, failure] of table) assert.equal(isOriginFailure(status), failure, String(status));
});
