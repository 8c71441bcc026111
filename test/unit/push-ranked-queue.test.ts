import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRankedQueue } from '../../server/push/ranked-queue.ts';

/** Steps: `+name/rank` or `+name/rank/owner` pushes (dropped item noted), `-` shifts (item noted). */
function play(capacity: number, steps: string[]): string[] {
  const queue = createRankedQueue<string>(capacity);
  return steps.map((step) => {
    if (step === '-') return `took ${queue.shift() ?? 'nothing'}`;
    const [name, rank, owner] = step.slice(1).split('/') as [string, string, string | undefined];
    const dropped = queue.push(name, Number(rank), owner);
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

test('ranked queue: owners take turns within a rank; when full, the owner holding the most loses its newest', () => {
  const table: { name: string; capacity: number; steps: string[]; expected: string[] }[] = [
    {
      name: 'round-robin between owners, arrival order within one',
      capacity: 10,
      steps: ['+a1/1/a', '+a2/1/a', '+a3/1/a', '+b1/1/b', '+c1/1/c', '+b2/1/b', '-', '-', '-', '-', '-', '-'],
      expected: ['kept', 'kept', 'kept', 'kept', 'kept', 'kept', 'took a1', 'took b1', 'took c1', 'took a2', 'took b2', 'took a3'],
    },
    {
      name: 'rank still comes first',
      capacity: 10,
      steps: ['+a1/2/a', '+a2/2/a', '+b1/2/b', '+bc/0/b', '-', '-', '-', '-'],
      expected: ['kept', 'kept', 'kept', 'kept', 'took bc', 'took a1', 'took b1', 'took a2'],
    },
    {
      name: 'full: one owner’s many cannot push out another’s one of the same rank',
      capacity: 3,
      steps: ['+a1/1/a', '+a2/1/a', '+a3/1/a', '+b1/1/b', '+a4/1/a', '-', '-', '-'],
      expected: ['kept', 'kept', 'kept', 'dropped a3', 'dropped a4', 'took a1', 'took b1', 'took a2'],
    },
    {
      name: 'full: a better newcomer pushes out the newest of the biggest owner at the worst rank',
      capacity: 4,
      steps: ['+a1/3/a', '+b1/3/b', '+b2/3/b', '+c1/2/c', '+d1/0/d', '-', '-', '-', '-'],
      expected: ['kept', 'kept', 'kept', 'kept', 'dropped b2', 'took d1', 'took c1', 'took a1', 'took b1'],
    },
    {
      name: 'full: equal owners, the newcomer of the worst rank is dropped',
      capacity: 2,
      steps: ['+a1/1/a', '+b1/1/b', '+c1/1/c', '-', '-'],
      expected: ['kept', 'kept', 'dropped c1', 'took a1', 'took b1'],
    },
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
