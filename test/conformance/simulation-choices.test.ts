import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachEngine } from './engines.ts';

eachEngine('simulation choices', (engine) => {
  test('a line has no choice until an operator makes one; the latest replaces it', async () => {
    const store = await engine.open();
    assert.equal(await store.simulations.get('filling'), undefined, 'no choice: the plant default');
    await store.simulations.set({ line: 'filling', running: true, scenario: 'jam', by: 'operator', at: 1_700_000_000_000 });
    assert.deepEqual(await store.simulations.get('filling'), { line: 'filling', running: true, scenario: 'jam', by: 'operator', at: 1_700_000_000_000 });
    await store.simulations.set({ line: 'filling', running: false, scenario: 'jam', by: 'admin', at: 1_700_000_060_000 });
    assert.deepEqual(await store.simulations.get('filling'), { line: 'filling', running: false, scenario: 'jam', by: 'admin', at: 1_700_000_060_000 });
    assert.equal(await store.simulations.get('packaging'), undefined, 'one line only');
  });

  test('another process on the same database reads the choice; lines that left the plant are cleared', async () => {
    const store = await engine.open();
    const other = await engine.openShared();
    await store.simulations.set({ line: 'filling', running: true, scenario: 'overheat', by: 'operator', at: 1 });
    await store.simulations.set({ line: 'packaging', running: false, scenario: 'normal', by: 'operator', at: 2 });
    await store.simulations.set({ line: 'mixing', running: true, scenario: 'flaky', by: 'operator', at: 3 });
    assert.deepEqual(await other.simulations.get('filling'), { line: 'filling', running: true, scenario: 'overheat', by: 'operator', at: 1 });
    assert.equal(await other.simulations.clear(['packaging', 'mixing', 'gone-before']), 2);
    assert.equal(await other.simulations.clear([]), 0);
    assert.deepEqual(
      (await store.simulations.list()).map((c) => [c.line, c.running, c.scenario]),
      [['filling', true, 'overheat']],
    );
  });
});
