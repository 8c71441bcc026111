import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../lib/errors.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';

const tag = (name: string) => ({ name, area: 'holding', address: 0, type: 'uint16' });
const plantOf = (...lines: unknown[][]) => ({
  name: 'p',
  lines: lines.map((connections, i) => ({ id: `l${i}`, name: `L${i}`, connections })),
});
const rtu = (id: string, extra: Record<string, unknown> = {}) => ({ id, protocol: 'rtu', path: '/dev/ttyUSB0', tags: [tag(`${id}-t`)], ...extra });

function problemsOf(input: unknown): string[] {
  try {
    parsePlant(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('plant was accepted');
}

test('an RTU connection: serial settings with defaults (9600 8N1, unit 1)', () => {
  const c = parsePlant(plantOf([rtu('a')])).lines[0]!.connections[0]!;
  assert.equal(c.protocol, 'rtu');
  if (c.protocol !== 'rtu') return;
  assert.deepEqual([c.path, c.baudRate, c.parity, c.dataBits, c.stopBits, c.unitId, c.simulated], ['/dev/ttyUSB0', 9600, 'none', 8, 1, 1, false]);
});

test('several devices on one serial path, across lines, with the same settings: one bus, accepted', () => {
  const plant = parsePlant(
    plantOf(
      [rtu('a', { unitId: 1, baudRate: 19_200, parity: 'even' }), rtu('b', { unitId: 2, baudRate: 19_200, parity: 'even' })],
      [rtu('c', { unitId: 3, baudRate: 19_200, parity: 'even' })],
    ),
  );
  assert.equal(plant.lines.flatMap((l) => l.connections).length, 3);
});

test('the same path with other serial settings is an error naming the field', () => {
  const problems = problemsOf(plantOf([rtu('a'), rtu('b', { unitId: 2, baudRate: 19_200, stopBits: 2 })], [rtu('c', { unitId: 3, parity: 'odd' })]));
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['lines[0].connections[1].baudRate', 'lines[0].connections[1].stopBits', 'lines[1].connections[0].parity'],
  );
  assert.match(problems[0]!, /connection "a" on the same serial port \/dev\/ttyUSB0 has 9600/);
  // Defaults count: a connection that leaves parity out has 'none'.
  assert.match(problems[2]!, /is odd, but connection "a" .* has none/);
});

test('unit ids 1–247 on a serial bus; RTU needs 8 data bits; a bus is simulated as a whole or not at all', () => {
  const problems = problemsOf(plantOf([rtu('a', { unitId: 0 }), rtu('b', { unitId: 248, dataBits: 7 }), rtu('c', { simulated: true })]));
  assert.ok(problems.some((p) => p.startsWith('lines[0].connections[0].unitId: must be 1–247')));
  assert.ok(problems.some((p) => p.startsWith('lines[0].connections[1].unitId: must be 1–247')));
  assert.ok(problems.some((p) => p.startsWith('lines[0].connections[1].dataBits: must be 8 for Modbus RTU')));
  assert.ok(problems.some((p) => p.startsWith('lines[0].connections[2].simulated: is true, but connection "a"')));
  assert.ok(problemsOf(plantOf([rtu('a', { stopBits: 1.5 })])).some((p) => p.startsWith('lines[0].connections[0].stopBits')));
});

test('a simulated bus: one line, one device per unit id; its path is only a name', () => {
  const sim = (id: string, extra: Record<string, unknown> = {}) => rtu(id, { simulated: true, path: 'sim-bus', ...extra });
  const ok = parsePlant(plantOf([sim('a', { unitId: 1 }), sim('b', { unitId: 2 }), rtu('real', { path: '/dev/ttyUSB0' })]));
  assert.deepEqual(
    ok.lines[0]!.connections.map((c) => c.simulated),
    [true, true, false],
  );
  const problems = problemsOf(plantOf([sim('a', { unitId: 1 }), sim('b', { unitId: 1 })], [sim('c', { unitId: 3 })]));
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['lines[0].connections[1].unitId', 'lines[1].connections[0].path'],
  );
  assert.match(problems[0]!, /is 1, as connection "a" on the same simulated bus sim-bus: one device per unit id/);
  assert.match(problems[1]!, /is the simulated bus of line "l0" \(connection "a"\): a simulated bus belongs to one line/);
  // RTU over TCP has no simulated gateway.
  assert.ok(
    problemsOf(plantOf([{ id: 'g', protocol: 'rtu-over-tcp', host: 'gw', simulated: true, tags: [tag('x')] }])).some((p) =>
      p.startsWith('lines[0].connections[0].simulated'),
    ),
  );
});

test('RTU over TCP: a gateway host is required, port defaults to 502; one gateway serves several unit ids', () => {
  const plant = parsePlant(
    plantOf([
      { id: 'g1', protocol: 'rtu-over-tcp', host: '10.0.0.9', unitId: 1, tags: [tag('x')] },
      { id: 'g2', protocol: 'rtu-over-tcp', host: '10.0.0.9', unitId: 2, tags: [tag('y')] },
    ]),
  );
  const c = plant.lines[0]!.connections[0]!;
  assert.ok(c.protocol === 'rtu-over-tcp' && c.port === 502);
  assert.ok(problemsOf(plantOf([{ id: 'g', protocol: 'rtu-over-tcp', tags: [tag('x')] }])).some((p) => p.startsWith('lines[0].connections[0].host')));
});
