import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRankedQueue } from '../../server/push/ranked-queue.ts';

/** Steps: `+name/rank` pushes (dropped item noted), `-` shifts (item noted). */
function play(capacity: number, steps: string[]): string[] {
  const queue = createRankedQueue<string>(capacity);
  return steps.map((step) => {
    if (step === '-') return `took ${queue.shift() ?? 'nothing'}`;
    const [name, rank] = step.slice(1).split('/') as [string, string];
    const dropped = queue.push(name, Number(rank));
    return dropped === undefined ? 'kept' : `dropped ${dropped}`;
  });
}

test('ranked queue: best rank first, arrival order within a rank; when full the newest of the worst rank goes', () => {
  const table: { name: string; capacity: number; steps: string[]; expected: string[] }[] = [
    { name: 'empty', capacity: 3, steps: ['-'], expected: ['took nothing'] },
    {
      name: 'priority, then arrival',
      capacity: 10,
      steps: ['+low1/3', '+med/2', '+low2/3', '+crit/0', '+high/1', '-', '-', '-', '-', '-', '-'],
      expected: ['kept', 'kept', 'kept', 'kept', 'kept', 'took crit', 'took high', 'took med', 'took low1', 'took low2', 'took nothing'],
    },
    {
      name: 'full: a better newcomer pushes out the newest of the worst rank',
      capacity: 3,
      steps: ['+low1/3', '+low2/3', '+med/2', '+crit/0', '-', '-', '-', '-'],
      expected: ['kept', 'kept', 'kept', 'dropped low2', 'took crit', 'took med', 'took low1', 'took nothing'],
    },
    {
      name: 'full: a newcomer no better than the worst is itself dropped',
      capacity: 2,
      steps: ['+high/1', '+med/2', '+med2/2', '+low/3', '-', '-'],
      expected: ['kept', 'kept', 'dropped med2', 'dropped low', 'took high', 'took med'],
    },
    {
      name: 'full of critical alarms: nothing more gets in',
      capacity: 2,
      steps: ['+c1/0', '+c2/0', '+c3/0', '-', '+c4/0', '-', '-'],
      expected: ['kept', 'kept', 'dropped c3', 'took c1', 'kept', 'took c2', 'took c4'],
    },
    { name: 'no room at all', capacity: 0, steps: ['+crit/0', '-'], expected: ['dropped crit', 'took nothing'] },
  ];
  for (const row of table) assert.deepEqual(play(row.capacity, row.steps), row.expected, row.name);
});

test('ranked queue: size and clear', () => {
  const queue = createRankedQueue<number>(5);
  for (const [item, rank] of [
    [1, 2],
    [2, 0],
    [3, 2],
  ] as const)
    queue.push(item, rank);
  assert.equal(queue.size, 3);
  assert.equal(queue.shift(), 2);
  assert.equal(queue.size, 2);
  assert.equal(queue.clear(), 2);
  assert.equal(queue.size, 0);
  assert.equal(queue.shift(), undefined);
  assert.throws(() => queue.push(4, 1.5), RangeError);
  assert.throws(() => queue.push(4, -1), RangeError);
});
