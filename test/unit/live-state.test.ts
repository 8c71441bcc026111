import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quality, Sample } from '../../lib/types.ts';
import { createLiveState } from '../../server/live/live-state.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';

const plant = parsePlant({
  name: 'p',
  lines: [
    {
      id: 'l1',
      name: 'L1',
      runningTag: 'run',
      connections: [
        {
          id: 'c1',
          protocol: 'tcp',
          port: 502,
          tags: [
            { name: 'run', area: 'coil', address: 0, type: 'bool' },
            { name: 'temp', area: 'holding', address: 0, type: 'float32' },
          ],
        },
      ],
    },
  ],
});
const s = (tag: string, value: number, quality: Quality = 'good', ts = 1): Sample => ({ tag: `l1.${tag}`, ts, value, quality });

test('line state follows the running tag and communication quality', () => {
  const live = createLiveState(plant);
  assert.equal(live.line('l1')!.state, 'unknown');
  assert.equal(live.apply('l1', [s('run', 1), s('temp', 20)])!.state, 'running');
  assert.equal(live.apply('l1', [s('temp', 21)]), undefined, 'no change, no event');
  assert.equal(live.apply('l1', [s('run', 0)])!.state, 'stopped');
  assert.equal(live.apply('l1', [s('run', 0, 'bad'), s('temp', 21, 'bad')])!.state, 'comm-lost');
  assert.equal(live.apply('l1', [s('run', 1, 'good', 9), s('temp', 22)])!.state, 'running');
  assert.equal(live.line('l1')!.lastSampleAt, 9);
  assert.equal(live.value('l1.temp')!.value, 22);
  assert.equal(live.values().length, 2);
});

test('unknown lines are ignored', () => {
  assert.equal(createLiveState(plant).apply('nope', [s('run', 1)]), undefined);
});

test('a line with two PLCs, one lost: still running, and it says "1 of 2 lost"; all lost is comm-lost', () => {
  const two = parsePlant({
    name: 'p',
    lines: [
      {
        id: 'l1',
        name: 'L1',
        runningTag: 'run',
        connections: [
          { id: 'c1', protocol: 'tcp', port: 502, tags: [{ name: 'run', area: 'coil', address: 0, type: 'bool' }] },
          { id: 'c2', protocol: 'tcp', port: 503, tags: [{ name: 'temp', area: 'holding', address: 0, type: 'float32' }] },
        ],
      },
    ],
  });
  const live = createLiveState(two);
  assert.deepEqual(live.apply('l1', [s('run', 1), s('temp', 20)]), { id: 'l1', state: 'running', lastSampleAt: 1 });
  const partial = live.apply('l1', [s('temp', 20, 'bad')]);
  assert.deepEqual(partial, { id: 'l1', state: 'running', lastSampleAt: 1, partial: { lost: 1, of: 2 } }, 'a change of its own, same state');
  assert.equal(live.apply('l1', [s('temp', 20, 'bad', 2)]), undefined, 'no change, no event');
  assert.equal(live.apply('l1', [s('run', 1, 'bad', 3)])!.state, 'comm-lost');
  assert.equal(live.line('l1')!.partial, undefined, 'all lost is no partial loss');
  assert.deepEqual(live.apply('l1', [s('run', 1, 'good', 4), s('temp', 21, 'good', 4)]), { id: 'l1', state: 'running', lastSampleAt: 4 });
});
