import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simulatorOwnerIds } from '../../lib/plant/process-ids.ts';
import { plantSchema } from '../../lib/plant/schema.ts';
import { ConfigError } from '../../lib/errors.ts';
import { simulatedBusLinks, simulatedBuses, withSimulatedBusPaths } from '../../server/simulation/simulated-buses.ts';
import { parseRtuBusSpec } from '../../server/simulator/rtu-bus-spec.ts';

const tag = (name: string) => ({ name, area: 'holding', address: 0, type: 'uint16' });
const rtu = (id: string, path: string, unitId: number, simulated = true) => ({ id, protocol: 'rtu', path, unitId, simulated, tags: [tag(`${id}-t`)] });
const plant = plantSchema.parse({
  name: 'p',
  lines: [
    {
      id: 'pack',
      name: 'Pack',
      connections: [
        { id: 'plc', protocol: 'tcp', port: 0, simulated: true, tags: [tag('a')] },
        rtu('m1', '/dev/ttyUSB0', 1),
        rtu('m2', '/dev/ttyUSB0', 2),
        rtu('drive', 'bus-2', 5),
        rtu('real', '/dev/ttyS0', 1, false),
      ],
    },
  ],
});

test('simulatedBusLinks: under the dir, file-safe, apart for every path, the same for the same path', () => {
  const a = simulatedBusLinks('/data/serial', '/dev/ttyUSB0');
  assert.match(a.name, /^dev-ttyUSB0-[0-9a-f]{8}$/);
  assert.equal(a.poller, `/data/serial/${a.name}-poller`);
  assert.equal(a.device, `/data/serial/${a.name}-device`);
  assert.deepEqual(simulatedBusLinks('/data/serial', '/dev/ttyUSB0'), a);
  assert.notEqual(simulatedBusLinks('/data/serial', 'dev/ttyUSB0').name, a.name, 'lossy names differ by their hash');
  for (const path of ['../../etc/passwd', '/', '..', 'a b/ü', 'x'.repeat(200)]) {
    const { name } = simulatedBusLinks('/d', path);
    assert.match(name, /^[A-Za-z0-9._-]{1,64}$/, path);
    assert.ok(!name.startsWith('.'), path);
  }
});

test('simulatedBuses: one per simulated path, under its first connection’s process id; the owners the line page shows', () => {
  assert.deepEqual(
    simulatedBuses(plant).map((b) => [b.processId, b.path, b.connections.map((c) => c.id)]),
    [
      ['sim-m1', '/dev/ttyUSB0', ['m1', 'm2']],
      ['sim-drive', 'bus-2', ['drive']],
    ],
  );
  assert.deepEqual(simulatorOwnerIds(plant.lines[0]!), ['plc', 'm1', 'drive']);
});

test('withSimulatedBusPaths: simulated RTU connections open their bus’s poller end; the rest is untouched', () => {
  const mapped = withSimulatedBusPaths(plant, '/data/serial');
  const paths = mapped.lines[0]!.connections.map((c) => (c.protocol === 'rtu' ? c.path : c.protocol));
  assert.deepEqual(paths, [
    'tcp',
    simulatedBusLinks('/data/serial', '/dev/ttyUSB0').poller,
    simulatedBusLinks('/data/serial', '/dev/ttyUSB0').poller,
    simulatedBusLinks('/data/serial', 'bus-2').poller,
    '/dev/ttyS0',
  ]);
  assert.equal(mapped.lines[0]!.connections[0], plant.lines[0]!.connections[0]);
  const noBus = plantSchema.parse({ name: 'p', lines: [{ id: 'l', name: 'L', connections: [rtu('r', '/dev/ttyS0', 1, false)] }] });
  assert.equal(withSimulatedBusPaths(noBus, '/d'), noBus, 'the same object without simulated buses');
});

test('parseRtuBusSpec: the plant’s rules for the devices; problems by path', () => {
  const spec = {
    kind: 'rtu',
    lineId: 'pack',
    busPath: '/dev/ttyUSB0',
    dir: '/d',
    name: 'bus',
    settings: { baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 },
    scenario: 'normal',
    devices: [
      { unitId: 1, tags: [tag('a')] },
      { unitId: 2, tags: [tag('b')] },
    ],
  };
  const parsed = parseRtuBusSpec(spec);
  assert.equal(parsed.devices[1]!.tags[0]!.wordOrder, 'ABCD', 'defaults applied');
  assert.throws(
    () =>
      parseRtuBusSpec({
        ...spec,
        devices: [
          { unitId: 0, tags: [tag('a')] },
          { unitId: 2, tags: [tag('a')] },
        ],
      }),
    (e: unknown) =>
      e instanceof ConfigError && e.problems.some((p) => p.startsWith('devices[0].unitId')) && e.problems.some((p) => p.startsWith('devices[1].tags[0].name')),
  );
  assert.throws(() => parseRtuBusSpec({ ...spec, name: '../x' }), ConfigError);
});
