import assert from 'node:assert/strict';
import { test } from 'node:test';
import { criteria } from '../faults/fuzz.ts';
import { seedFromArgs } from '../faults/fuzz-kit.ts';
import { fuzzPoller } from '../faults/fuzz-poller.ts';
import { fuzzSimulator } from '../faults/fuzz-simulator.ts';

/**
 * The short subset of `npm run test:fuzz` (test/faults/fuzz.ts): 2 000 generated frames to the
 * simulated PLC's Modbus server and 2 000 generated replies to the poller's session, on real
 * loopback sockets. A failure names its seed: `FUZZ_SEED=N` replays it here, and
 * `npm run test:fuzz -- --seed N` runs the long version of it.
 */

const seed = seedFromArgs([]);
const frames = 2000;

test(`simulator Modbus server: ${frames} fuzzed request frames (seed ${seed})`, async () => {
  const r = await fuzzSimulator({ frames, seed });
  for (const c of criteria(r)) assert.ok(c.ok, `${c.name}: ${c.value} (seed ${seed})\n${r.failures.join('\n')}`);
  assert.ok(r.answered > 0 && Object.keys(r.exceptions).length >= 3, `answers and exceptions were checked: ${JSON.stringify(r.exceptions)}`);
});

test(`poller session: ${frames} fuzzed reply frames (seed ${seed})`, async () => {
  const r = await fuzzPoller({ frames, seed });
  for (const c of criteria(r)) assert.ok(c.ok, `${c.name}: ${c.value} (seed ${seed})\n${r.failures.join('\n')}`);
  assert.ok(r.accepted > 0 && Object.keys(r.exceptions).length > 0, 'good replies and exception replies were checked');
});
