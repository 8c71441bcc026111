import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alarmDefinitions } from '../../server/alarms/alarm-definitions.ts';
import { ConfigError } from '../../lib/errors.ts';
import { loadPlant, parsePlant } from '../../server/plant/load-plant.ts';

const plantWith = (tags: unknown[], connection: Record<string, unknown> = {}) => ({
  name: 'p',
  lines: [{ id: 'l1', name: 'L1', connections: [{ id: 'c1', protocol: 'tcp', port: 502, tags, ...connection }] }],
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

const has = (problems: string[], re: RegExp) =>
  assert.ok(
    problems.some((p) => re.test(p)),
    `${re} in\n${problems.join('\n')}`,
  );

test('alarm definitions of a plant: limits, bools, comm loss, with defaults', () => {
  const plant = parsePlant(
    plantWith(
      [
        {
          name: 'temp',
          label: 'Temperature',
          area: 'holding',
          address: 0,
          type: 'float32',
          unit: '°C',
          alarms: { hi: { limit: 80 }, hihi: { limit: 90, priority: 'critical', message: 'Too hot!' }, deadband: 1.5, onDelayMs: 500 },
        },
        { name: 'fault', area: 'coil', address: 0, type: 'bool', alarms: { on: true } },
        { name: 'ready', label: 'Ready', area: 'coil', address: 1, type: 'bool', alarms: { on: false, priority: 'low', offDelayMs: 100 } },
        { name: 'plain', area: 'holding', address: 2, type: 'int16' },
      ],
      { commLoss: { priority: 'critical', delayMs: 2000 } },
    ),
  );
  const defs = alarmDefinitions(plant);
  assert.deepEqual(
    defs.map((d) => [d.id, d.kind, d.priority, d.message, d.limit]),
    [
      ['l1.c1.comm', 'comm', 'critical', 'Communication lost with c1', null],
      ['l1.temp.hihi', 'hihi', 'critical', 'Too hot!', 90],
      ['l1.temp.hi', 'hi', 'medium', 'Temperature high', 80],
      ['l1.fault.discrete', 'discrete', 'high', 'fault', null],
      ['l1.ready.discrete', 'discrete', 'low', 'Ready off', null],
    ],
  );
  const hi = defs.find((d) => d.id === 'l1.temp.hi')!;
  assert.equal(hi.deadband, 1.5);
  assert.equal(hi.onDelayMs, 500);
  assert.equal(hi.maxShelveMs, 480 * 60_000);
  assert.equal(hi.unit, '°C');
  assert.equal(defs.find((d) => d.id === 'l1.ready.discrete')!.alarmOn, false);
  assert.equal(defs[0]!.onDelayMs, 2000);
  assert.equal(
    alarmDefinitions(parsePlant(plantWith([{ name: 't', area: 'holding', address: 0, type: 'int16' }], { commLoss: { enabled: false } }))).length,
    0,
  );
});

test('bad alarm settings are refused, each by its path', () => {
  const problems = problemsOf(
    plantWith([
      { name: 'a', area: 'holding', address: 0, type: 'float32', alarms: { hi: { limit: 50 }, hihi: { limit: 40 } } },
      { name: 'b', area: 'holding', address: 2, type: 'float32', alarms: { lo: { limit: 10 }, hi: { limit: 12 }, deadband: 3 } },
      { name: 'c', area: 'coil', address: 0, type: 'bool', alarms: { hi: { limit: 1 } } },
      { name: 'd', area: 'holding', address: 4, type: 'int16', scale: 0.1, alarms: { hi: { limit: 5000 } } },
      { name: 'e', area: 'holding', address: 5, type: 'int16', alarms: { on: true, priority: 'high' } },
      { name: 'f', area: 'holding', address: 6, type: 'int16', alarms: { deadband: 1 } },
      { name: 'g', area: 'holding', address: 7, type: 'int16', alarms: { hi: { limit: 1, priority: 'urgent' }, onDelayMs: -1 } },
      { name: 'h', area: 'holding', address: 8, type: 'uint16', alarms: { lo: { limit: -1 } } },
    ]),
  );
  const at = (i: number, rest: string) => new RegExp(`^lines\\[0\\]\\.connections\\[0\\]\\.tags\\[${i}\\]\\.alarms${rest}`);
  has(problems, at(0, String.raw`\.hihi\.limit: must be above hi \(50\)`));
  has(problems, at(1, String.raw`\.deadband: must be smaller than the gap between the low and high limits \(2\)`));
  has(problems, at(2, String.raw`\.on: is required for a bool tag`));
  has(problems, at(2, String.raw`\.hi: limits apply to analog tags only`));
  has(problems, at(3, String.raw`\.hi\.limit: can never be reached: a int16 with this scale and offset reads -3276\.8 … 3276\.7`));
  has(problems, at(4, String.raw`\.on: applies to bool tags only`));
  has(problems, at(4, String.raw`\.priority: set the priority on each limit`));
  has(problems, at(5, ': needs at least one of hihi, hi, lo, lolo'));
  has(problems, at(6, String.raw`\.hi\.priority: `));
  has(problems, at(6, String.raw`\.onDelayMs: `));
  has(problems, at(7, String.raw`\.lo\.limit: can never be reached`));
  const conn = problemsOf(plantWith([{ name: 't', area: 'holding', address: 0, type: 'int16' }], { commLoss: { delayMs: 'soon', extra: 1 } }));
  has(conn, /^lines\[0\]\.connections\[0\]\.commLoss\.delayMs: /);
  has(conn, /^lines\[0\]\.connections\[0\]\.commLoss: .*extra/);
});

test('the demo plant: every line has a fault alarm on true and comm loss; the overheat tags have HI below HIHI', async () => {
  const plant = await loadPlant();
  const defs = alarmDefinitions(plant);
  for (const line of plant.lines) {
    const fault = defs.find((d) => d.id === `${line.id}.fault.discrete`);
    assert.ok(fault?.alarmOn && fault.priority === 'high', `${line.id} fault alarm`);
    assert.ok(
      defs.some((d) => d.line === line.id && d.kind === 'comm'),
      `${line.id} comm loss`,
    );
    const overheat = line.connections.flatMap((c) => c.tags).filter((t) => t.sim?.overheat);
    assert.ok(overheat.length > 0);
    for (const t of overheat) {
      const hi = defs.find((d) => d.id === `${line.id}.${t.name}.hi`)!;
      const hihi = defs.find((d) => d.id === `${line.id}.${t.name}.hihi`)!;
      // The overheat scenario climbs to +50 % of nominal: both limits must be crossed, HI first.
      const nominal = t.sim!.nominal;
      assert.ok(nominal + t.sim!.drift + 3 * t.sim!.noise < hi.limit!, `${t.name}: normal operation stays below HI`);
      assert.ok(hi.limit! < hihi.limit! && hihi.limit! < nominal * 1.5, `${t.name}: HIHI reachable`);
    }
  }
  assert.ok(!defs.some((d) => d.id.endsWith('.running.discrete')), 'a stopped line is not an alarm');
});
