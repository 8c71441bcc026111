import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../lib/errors.ts';
import { loadPlant, parsePlant } from '../../server/plant/load-plant.ts';

const goodTag = { name: 'temp', area: 'holding', address: 0, type: 'float32' };
const plantWith = (tags: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'p',
  lines: [
    { id: 'ok', name: 'OK', connections: [{ id: 'c0', protocol: 'tcp', port: 502, tags: [goodTag] }] },
    { id: 'l1', name: 'L1', connections: [{ id: 'c1', protocol: 'tcp', port: 502, tags }], ...extra },
  ],
});

function problemsOf(input: unknown): string[] {
  try {
    parsePlant(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('plant was accepted');
}

test('the demo plant is valid: three lines of 10–30 tags, each simulated', async () => {
  const plant = await loadPlant();
  assert.equal(plant.lines.length, 3);
  for (const line of plant.lines) {
    const tags = line.connections.flatMap((c) => c.tags);
    assert.ok(tags.length >= 10 && tags.length <= 30, `${line.id} has ${tags.length} tags`);
    assert.ok(line.connections.every((c) => c.simulated));
  }
});

test('defaults are applied', () => {
  const plant = parsePlant(plantWith([goodTag]));
  const tag = plant.lines[1]!.connections[0]!.tags[0]!;
  assert.equal(tag.wordOrder, 'ABCD');
  assert.equal(tag.scale, 1);
  assert.equal(plant.lines[1]!.connections[0]!.unitId, 1);
});

test('every problem is listed by its path', () => {
  const problems = problemsOf(
    plantWith(
      [
        goodTag,
        { name: 'a', area: 'holding', address: 70000, type: 'int16' },
        { name: 'b', area: 'coil', address: 1, type: 'float32' },
        { name: 'c', area: 'holding', address: 2, type: 'bool' },
        { name: 'temp', area: 'input', address: 3, type: 'int16', scale: 0 },
        { name: 'd', area: 'holding', address: 4, type: 'int64' },
        { name: 'e', area: 'holding', address: 5, type: 'int16', colour: 'red' },
      ],
      { runningTag: 'nope' },
    ),
  );
  const expected = [
    /^lines\[1\]\.connections\[0\]\.tags\[1\]\.address: /,
    /^lines\[1\]\.connections\[0\]\.tags\[2\]\.type: must be "bool"/,
    /^lines\[1\]\.connections\[0\]\.tags\[3\]\.bit: is required/,
    /^lines\[1\]\.connections\[0\]\.tags\[4\]\.scale: must not be 0/,
    /^lines\[1\]\.connections\[0\]\.tags\[5\]\.type: /,
    /^lines\[1\]\.connections\[0\]\.tags\[6\]: .*colour/,
  ];
  for (const re of expected)
    assert.ok(
      problems.some((p) => re.test(p)),
      `${re} in\n${problems.join('\n')}`,
    );
});

test('cross-field problems: duplicate tags, unknown running tag, port 0 on a real PLC', () => {
  const problems = problemsOf({
    name: 'p',
    lines: [
      {
        id: 'l0',
        name: 'L0',
        runningTag: 'ghost',
        connections: [{ id: 'c0', protocol: 'tcp', port: 0, tags: [goodTag, { ...goodTag, address: 10 }] }],
      },
    ],
  });
  assert.ok(
    problems.some((p) => p.startsWith('lines[0].connections[0].tags[1].name: duplicates')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('lines[0].runningTag: names no tag')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('lines[0].connections[0].port: may be 0 only')),
    problems.join('\n'),
  );
});

test('a file that is not JSON or missing is refused with a clear message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-plant-'));
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{ "name": ');
  await assert.rejects(loadPlant(bad), (e: ConfigError) => e.code === 'LW_CONFIG' && /not valid JSON/.test(e.message));
  await assert.rejects(loadPlant(join(dir, 'missing.json')), /cannot read plant file/);
});

test('sim models: follows names another tag of the same connection; commands are bools with an action', () => {
  const setpoint = { name: 'sp', area: 'holding', address: 0, type: 'float32', sim: { model: 'constant', nominal: 185 } };
  const follower = (follows: string, model = 'analog') => ({ name: 'pv', area: 'holding', address: 2, type: 'float32', sim: { model, nominal: 185, follows } });
  // Valid: a follower of a setpoint, a reset command on a coil, a run command on a register bit.
  const ok = parsePlant(
    plantWith([
      setpoint,
      { ...follower('sp'), sim: { ...follower('sp').sim, followTauS: 2 } },
      { name: 'reset', area: 'coil', address: 0, type: 'bool', sim: { model: 'command', action: 'reset' } },
      { name: 'run', area: 'holding', address: 4, bit: 0, type: 'bool', sim: { model: 'command', action: 'run' } },
    ]),
  );
  assert.equal(ok.lines[1]!.connections[0]!.tags[1]!.sim?.follows, 'sp');

  const problems = problemsOf({
    name: 'p',
    lines: [
      {
        id: 'l0',
        name: 'L0',
        connections: [
          {
            id: 'c0',
            protocol: 'tcp',
            port: 502,
            tags: [
              setpoint,
              follower('ghost'),
              { ...follower('self'), name: 'self', address: 4 },
              { ...follower('other'), name: 'c', address: 6 },
              { ...follower('sp', 'counter'), name: 'd', address: 8 },
              { name: 'e', area: 'coil', address: 0, type: 'bool', sim: { model: 'command' } },
              { name: 'f', area: 'holding', address: 10, type: 'uint16', sim: { model: 'command', action: 'run' } },
              { name: 'g', area: 'holding', address: 11, type: 'uint16', sim: { model: 'analog', action: 'reset', followTauS: 3 } },
            ],
          },
          { id: 'c1', protocol: 'tcp', port: 502, tags: [{ name: 'other', area: 'holding', address: 0, type: 'float32' }] },
        ],
      },
    ],
  });
  const expected = [
    /^lines\[0\]\.connections\[0\]\.tags\[1\]\.sim\.follows: names no tag of this connection: "ghost"/,
    /^lines\[0\]\.connections\[0\]\.tags\[2\]\.sim\.follows: must name another tag/,
    // Another connection is another PLC: its tags are not in this register image.
    /^lines\[0\]\.connections\[0\]\.tags\[3\]\.sim\.follows: names no tag of this connection: "other"/,
    /^lines\[0\]\.connections\[0\]\.tags\[4\]\.sim\.follows: applies to the analog, ramp and constant models only/,
    /^lines\[0\]\.connections\[0\]\.tags\[5\]\.sim\.action: is required for a command/,
    /^lines\[0\]\.connections\[0\]\.tags\[6\]\.sim\.model: a command must be a bool tag/,
    /^lines\[0\]\.connections\[0\]\.tags\[7\]\.sim\.action: applies to the command model only/,
    /^lines\[0\]\.connections\[0\]\.tags\[7\]\.sim\.followTauS: applies only with "follows"/,
  ];
  for (const re of expected)
    assert.ok(
      problems.some((p) => re.test(p)),
      `${re} in\n${problems.join('\n')}`,
    );
  assert.equal(problems.length, expected.length, problems.join('\n'));
});
