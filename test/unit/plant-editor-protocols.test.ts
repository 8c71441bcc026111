import assert from 'node:assert/strict';
import { test } from 'node:test';
import { busToJoin, connectionWhere, switchProtocol } from '../../app/admin/plant/connection-protocols.ts';
import type { ConnectionFile } from '../../app/admin/plant/draft.ts';
import { validatePlant } from '../../app/admin/plant/draft.ts';
import { readNowProblems, serverProblemsOf, standingServerProblems } from '../../app/admin/plant/server-problems.ts';

const tags = [{ name: 't', area: 'holding', address: 0, type: 'int16' }] as ConnectionFile['tags'];
const common = { id: 'c', unitId: 7, scanMs: 250, timeoutMs: 500, tags, commLoss: { delayMs: 2000 } };
const tcp = { ...common, protocol: 'tcp', host: '10.0.0.5', port: 1502, simulated: true } as ConnectionFile;

test('switchProtocol keeps what every connection has and fills in the protocol’s own fields', () => {
  assert.deepEqual(switchProtocol(tcp, 'rtu'), { ...common, protocol: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, simulated: true });
  assert.deepEqual(switchProtocol(tcp, 'rtu-over-tcp'), { ...common, protocol: 'rtu-over-tcp', host: '10.0.0.5', port: 1502 });
  const rtu = switchProtocol(tcp, 'rtu');
  assert.deepEqual(switchProtocol(rtu, 'tcp'), { ...common, protocol: 'tcp', host: '127.0.0.1', port: 502, simulated: true });
  // A gateway needs its own address: left for the admin (the field then says it is required).
  assert.deepEqual(switchProtocol({ ...rtu, simulated: false } as ConnectionFile, 'rtu-over-tcp'), { ...common, protocol: 'rtu-over-tcp', port: 502 });
  // Port 0 (a simulator picks one) is not a gateway's port.
  assert.equal((switchProtocol({ ...tcp, port: 0 } as ConnectionFile, 'rtu-over-tcp') as { port: number }).port, 502);
});

test('switchProtocol: a unit id a serial bus cannot have becomes 1; a typed one is kept', () => {
  for (const unitId of [0, 248, 255]) assert.equal(switchProtocol({ ...tcp, unitId } as ConnectionFile, 'rtu').unitId, 1);
  assert.equal(switchProtocol({ ...tcp, unitId: 0 } as ConnectionFile, 'rtu-over-tcp').unitId, 1);
  assert.equal(switchProtocol({ ...tcp, unitId: 247 } as ConnectionFile, 'rtu').unitId, 247);
  const { unitId: _, ...noUnit } = tcp;
  assert.equal('unitId' in switchProtocol(noUnit as ConnectionFile, 'rtu'), false, 'absent stays absent (default 1)');
  // Back to TCP, any unit id is fine: kept.
  assert.equal(switchProtocol({ ...common, protocol: 'rtu', path: 'x', unitId: 200 } as ConnectionFile, 'tcp').unitId, 200);
});

test('switched to RTU on a line that has a bus, a connection joins it: its settings and a free unit id', () => {
  const meter = (id: string, unitId: number, path = '/dev/ttyS1') =>
    ({ id, protocol: 'rtu', path, baudRate: 19200, parity: 'even', stopBits: 2, simulated: true, unitId, tags }) as ConnectionFile;
  const line = [meter('m1', 1), tcp, meter('m2', 2), meter('other', 1, '/dev/ttyS2')];
  const bus = busToJoin(line, 1);
  assert.deepEqual(
    bus.map((c) => c.id),
    ['m1', 'm2'],
  );
  const joined = switchProtocol({ ...tcp, unitId: 1 } as ConnectionFile, 'rtu', bus);
  assert.deepEqual(joined, { ...common, protocol: 'rtu', path: '/dev/ttyS1', baudRate: 19200, parity: 'even', stopBits: 2, simulated: true, unitId: 3 });
  assert.deepEqual(busToJoin([tcp], 0), []);
  // The result is a valid plant: one bus, its settings shared, unit ids apart.
  const plant = {
    name: 'p',
    lines: [
      {
        id: 'l',
        name: 'L',
        connections: [line[0], { ...joined, id: 'j', tags: [{ ...tags[0]!, name: 'j' }] }, { ...line[2]!, tags: [{ ...tags[0]!, name: 'k' }] }],
      },
    ],
  };
  assert.deepEqual(validatePlant(plant), []);
});

test('connectionWhere: the change list names each protocol', () => {
  assert.equal(connectionWhere({ protocol: 'tcp', host: '10.0.0.5', port: 1502 }), 'tcp 10.0.0.5:1502');
  assert.equal(connectionWhere({ protocol: 'tcp' }), 'tcp 127.0.0.1:502');
  assert.equal(connectionWhere({ protocol: 'rtu', path: '/dev/ttyUSB0' }), 'RTU /dev/ttyUSB0 9600 8N1, unit 1');
  assert.equal(
    connectionWhere({ protocol: 'rtu', path: '/dev/ttyS1', baudRate: 19200, parity: 'even', stopBits: 2, unitId: 3 }),
    'RTU /dev/ttyS1 19200 8E2, unit 3',
  );
  assert.equal(connectionWhere({ protocol: 'rtu-over-tcp', host: 'gw', port: 4001, unitId: 2 }), 'RTU over TCP gw:4001, unit 2');
  assert.equal(connectionWhere({ protocol: 'rtu-over-tcp', host: 'gw' }), 'RTU over TCP gw:502, unit 1');
});

test('a bad unit id on a serial bus says why in the schema’s words; bounds without words read as numbers', () => {
  const rtu = { id: 'c', protocol: 'rtu', path: 'x', unitId: 0, baudRate: 1, tags };
  const problems = validatePlant({ name: 'p', lines: [{ id: 'l', name: 'L', connections: [rtu] }] });
  assert.deepEqual(problems, [
    { path: 'lines[0].connections[0].unitId', message: 'must be 1–247 on a serial bus (0 is broadcast: no device answers)' },
    { path: 'lines[0].connections[0].baudRate', message: 'must be at least 300' },
  ]);
});

test('the protocol problem lists the three protocols', () => {
  const problems = validatePlant({ name: 'p', lines: [{ id: 'l', name: 'L', connections: [{ id: 'c', protocol: 'ascii', tags }] }] });
  assert.deepEqual(problems, [{ path: 'lines[0].connections[0].protocol', message: 'must be tcp, rtu or rtu-over-tcp' }]);
});

test('server problems: a read-now refusal’s paths become the plant’s; each stands until its field changes, unless the draft names it itself', () => {
  const named = readNowProblems(
    [
      { path: 'connection.unitId', message: 'no device answers' },
      { path: 'connection', message: 'whole' },
      { path: 'line', message: 'bad line' },
      { path: 'other', message: 'kept' },
    ],
    2,
    1,
  );
  assert.deepEqual(
    named.map((p) => p.path),
    ['lines[2].connections[1].unitId', 'lines[2].connections[1]', 'lines[2].id', 'other'],
  );
  const draft = { lines: [{ connections: [{ unitId: 5, baudRate: 9600 }] }] };
  const server = serverProblemsOf(
    [
      { path: 'lines[0].connections[0].unitId', message: 'taken' },
      { path: 'lines[0].connections[0].baudRate', message: 'too fast' },
    ],
    draft,
  );
  assert.deepEqual(standingServerProblems(server, draft, []), [
    { path: 'lines[0].connections[0].unitId', message: 'taken' },
    { path: 'lines[0].connections[0].baudRate', message: 'too fast' },
  ]);
  const edited = { lines: [{ connections: [{ unitId: 6, baudRate: 9600 }] }] };
  assert.deepEqual(standingServerProblems(server, edited, []), [{ path: 'lines[0].connections[0].baudRate', message: 'too fast' }]);
  assert.deepEqual(standingServerProblems(server, draft, [{ path: 'lines[0].connections[0].baudRate', message: 'own words' }]), [
    { path: 'lines[0].connections[0].unitId', message: 'taken' },
  ]);
});
