import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffPlants, formatSteps, rebasePlant, sameValue } from '../../lib/plant/plant-diff.ts';
import type { PlantFile } from '../../lib/plant/schema.ts';
import { plantSchema } from '../../lib/plant/schema.ts';

/** A small plant like the demo's (its own copy: the demo plant changes with the product). */
const demo: PlantFile = {
  name: 'Demo plant',
  lines: [
    {
      id: 'extrusion',
      name: 'Extrusion 1',
      description: 'PE pipe extrusion line',
      runningTag: 'running',
      keyTags: ['melt-temp', 'melt-pressure', 'screw-speed', 'line-speed'],
      connections: [
        {
          id: 'extrusion-plc',
          protocol: 'tcp',
          host: '127.0.0.1',
          port: 0,
          scanMs: 500,
          simulated: true,
          tags: [
            { name: 'running', area: 'coil', address: 0, type: 'bool', decimals: 0 },
            { name: 'fault', area: 'coil', address: 1, type: 'bool', alarms: { on: true, priority: 'high', message: 'Main drive fault: line stopped' } },
            {
              name: 'zone1-temp',
              area: 'holding',
              address: 0,
              type: 'float32',
              wordOrder: 'ABCD',
              unit: '°C',
              alarms: { hihi: { limit: 210, priority: 'critical' }, hi: { limit: 200 }, lo: { limit: 170 }, deadband: 2, onDelayMs: 1000 },
            },
            { name: 'zone2-temp', area: 'holding', address: 2, type: 'float32', unit: '°C', alarms: { hi: { limit: 210 } } },
            { name: 'melt-temp', area: 'holding', address: 4, type: 'float32', unit: '°C' },
            { name: 'melt-pressure', area: 'holding', address: 6, type: 'float32', unit: 'bar' },
            { name: 'screw-speed', area: 'holding', address: 8, type: 'float32', unit: 'rpm' },
            { name: 'line-speed', area: 'holding', address: 10, type: 'float32', unit: 'm/min' },
          ],
        },
      ],
    },
    {
      id: 'filling',
      name: 'Filling 2',
      connections: [
        {
          id: 'filling-plc',
          protocol: 'tcp',
          port: 5020,
          tags: [
            { name: 'product-temp', label: 'Product temperature', area: 'input', address: 0, type: 'int16', scale: 0.1, unit: '°C' },
            { name: 'filler-speed', area: 'input', address: 1, type: 'uint16', unit: 'bpm' },
          ],
        },
      ],
    },
    {
      id: 'packaging',
      name: 'Packaging 3',
      description: 'Case packer and palletiser',
      connections: [{ id: 'packaging-plc', protocol: 'tcp', port: 5021, tags: [{ name: 'case-rate', area: 'holding', address: 0, type: 'uint16' }] }],
    },
  ],
};
type Mutable = any;
/** A copy of the demo plant changed by `edit`. */
function edited(edit: (p: Mutable) => void, from: PlantFile = demo): PlantFile {
  const copy = structuredClone(from);
  edit(copy);
  return copy;
}
const line = (p: Mutable, id: string) => p.lines.find((l: Mutable) => l.id === id);
const conn = (p: Mutable, lineId: string, id: string) => line(p, lineId).connections.find((c: Mutable) => c.id === id);
const tag = (p: Mutable, lineId: string, connId: string, name: string) => conn(p, lineId, connId).tags.find((t: Mutable) => t.name === name);
/** The changes as `kind path: before → after` lines. */
const summary = (a: unknown, b: unknown) => diffPlants(a, b).map((c) => `${c.kind} ${c.path}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`);

test('the fixture is a valid plant', () => {
  assert.ok(plantSchema.safeParse(demo).success);
});

test('the same plant: no changes; moving lines, connections or tags is no change either', () => {
  assert.deepEqual(diffPlants(demo, structuredClone(demo)), []);
  const shuffled = edited((p) => {
    p.lines.reverse();
    for (const l of p.lines) for (const c of l.connections) c.tags.reverse();
  });
  assert.deepEqual(diffPlants(demo, shuffled), []);
});

test('every kind of change, with paths by id and name', () => {
  const cases: [string, (p: Mutable) => void, string[]][] = [
    [
      'an alarm limit',
      (p) => (tag(p, 'extrusion', 'extrusion-plc', 'zone1-temp').alarms.hi.limit = 205),
      ['changed lines[extrusion].connections[extrusion-plc].tags[zone1-temp].alarms.hi.limit: 200 → 205'],
    ],
    [
      'a new limit',
      (p) => (tag(p, 'extrusion', 'extrusion-plc', 'zone1-temp').alarms.lolo = { limit: 150 }),
      ['added lines[extrusion].connections[extrusion-plc].tags[zone1-temp].alarms.lolo: undefined → {"limit":150}'],
    ],
    [
      'a field left to its default',
      (p) => delete tag(p, 'extrusion', 'extrusion-plc', 'zone1-temp').wordOrder,
      ['removed lines[extrusion].connections[extrusion-plc].tags[zone1-temp].wordOrder: "ABCD" → undefined'],
    ],
    ['the plant name', (p) => (p.name = 'Plant 2'), ['changed name: "Demo plant" → "Plant 2"']],
    [
      'a connection setting',
      (p) => (conn(p, 'extrusion', 'extrusion-plc').scanMs = 250),
      ['changed lines[extrusion].connections[extrusion-plc].scanMs: 500 → 250'],
    ],
    [
      'key tags, compared whole',
      (p) => line(p, 'extrusion').keyTags.reverse(),
      ['changed lines[extrusion].keyTags: ["melt-temp","melt-pressure","screw-speed","line-speed"] → ["line-speed","screw-speed","melt-pressure","melt-temp"]'],
    ],
  ];
  for (const [name, edit, expected] of cases) assert.deepEqual(summary(demo, edited(edit)), expected, name);
});

test('an added or removed line, connection or tag is one change holding all of it', () => {
  const newTag = { name: 'new-tag', area: 'holding', address: 900, type: 'int16' };
  const b = edited((p) => {
    conn(p, 'filling', 'filling-plc').tags.splice(1, 0, newTag);
    conn(p, 'extrusion', 'extrusion-plc').tags = conn(p, 'extrusion', 'extrusion-plc').tags.filter((t: Mutable) => t.name !== 'fault');
    line(p, 'packaging').connections.push({ id: 'pk-2', protocol: 'tcp', host: '10.0.0.2', tags: [newTag] });
  });
  const changes = diffPlants(demo, b);
  assert.deepEqual(
    changes.map((c) => [c.kind, c.path]),
    [
      ['removed', 'lines[extrusion].connections[extrusion-plc].tags[fault]'],
      ['added', 'lines[filling].connections[filling-plc].tags[new-tag]'],
      ['added', 'lines[packaging].connections[pk-2]'],
    ],
  );
  assert.equal((changes[0]!.before as Mutable).alarms.message, 'Main drive fault: line stopped');
  assert.deepEqual(changes[1]!.after, newTag);
  assert.deepEqual(changes[2]!.steps, ['lines', { key: 'packaging', by: 'id' }, 'connections', { key: 'pk-2', by: 'id' }]);

  const withoutLine = edited((p) => (p.lines = p.lines.filter((l: Mutable) => l.id !== 'filling')));
  assert.deepEqual(
    summary(demo, withoutLine).map((s) => s.split(':')[0]),
    ['removed lines[filling]'],
  );
  assert.deepEqual(
    diffPlants(withoutLine, demo).map((c) => [c.kind, c.path]),
    [['added', 'lines[filling]']],
  );
});

test('a renamed tag is the old one removed and the new one added', () => {
  const b = edited((p) => (tag(p, 'extrusion', 'extrusion-plc', 'zone1-temp').name = 'zone-1-temp'));
  assert.deepEqual(
    diffPlants(demo, b).map((c) => [c.kind, c.path]),
    [
      ['removed', 'lines[extrusion].connections[extrusion-plc].tags[zone1-temp]'],
      ['added', 'lines[extrusion].connections[extrusion-plc].tags[zone-1-temp]'],
    ],
  );
});

test('parsed plants (defaults applied) differ only where the meaning does', () => {
  const spelled = edited((p) => (tag(p, 'extrusion', 'extrusion-plc', 'running').scale = 1));
  assert.equal(diffPlants(demo, spelled).length, 1, 'as written, spelling out a default is a change');
  assert.deepEqual(diffPlants(plantSchema.parse(demo), plantSchema.parse(spelled)), [], 'parsed, it is not');
});

test('a plant that does not validate still diffs: elements without an id by index, repeated ids apart', () => {
  const a = { name: 'p', lines: [{ id: 'l', connections: [{ id: 'c', tags: [{ name: 'x', address: 1 }, { name: 'x', address: 2 }, { address: 3 }] }] }] };
  const b = structuredClone(a);
  b.lines[0]!.connections[0]!.tags[1]!.address = 20;
  b.lines[0]!.connections[0]!.tags[2]!.address = 30;
  assert.deepEqual(summary(a, b), ['changed lines[l].connections[c].tags[x#2].address: 2 → 20', 'changed lines[l].connections[c].tags[#2].address: 3 → 30']);
  assert.deepEqual(summary({ name: 'p' }, { name: 'p', lines: 'x' }), ['added lines: undefined → "x"']);
});

test('sameValue and formatSteps', () => {
  assert.ok(sameValue({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(sameValue([1, { x: [2] }], [1, { x: [2] }]));
  assert.ok(!sameValue([1, 2], [2, 1]));
  assert.ok(!sameValue({ a: 1 }, [1]));
  assert.ok(!sameValue(null, {}));
  assert.equal(formatSteps(['lines', { key: 'a', by: 'id' }, 'keyTags', 2]), 'lines[a].keyTags[2]');
});

test('rebase: my edits go onto the version someone else applied meanwhile', () => {
  const mine = edited((p) => {
    tag(p, 'extrusion', 'extrusion-plc', 'zone1-temp').alarms.hi.limit = 205;
    conn(p, 'filling', 'filling-plc').tags.push({ name: 'mine', area: 'holding', address: 900, type: 'int16' });
    line(p, 'packaging').description = 'mine';
  });
  const theirs = edited((p) => {
    tag(p, 'extrusion', 'extrusion-plc', 'zone2-temp').alarms.hi.limit = 215;
    line(p, 'packaging').description = 'theirs';
    p.lines.reverse();
  });
  const { plant, conflicts } = rebasePlant(demo, mine, theirs);
  // Exactly my three edits on top of theirs (in their line order).
  assert.deepEqual(summary(theirs, plant), [
    'changed lines[packaging].description: "theirs" → "mine"',
    'added lines[filling].connections[filling-plc].tags[mine]: undefined → {"name":"mine","area":"holding","address":900,"type":"int16"}',
    'changed lines[extrusion].connections[extrusion-plc].tags[zone1-temp].alarms.hi.limit: 200 → 205',
  ]);
  assert.equal(tag(plant, 'extrusion', 'extrusion-plc', 'zone2-temp').alarms.hi.limit, 215, 'their edit stays');
  assert.equal((plant as Mutable).lines[0].id, 'packaging', 'their order stays');
  assert.deepEqual(
    conflicts.map((c) => [c.resolution, c.change.path]),
    [['kept-mine', 'lines[packaging].description']],
  );
  assert.equal(tag(theirs, 'extrusion', 'extrusion-plc', 'zone1-temp').alarms.hi.limit, 200, 'inputs untouched');
});

test('rebase: edits inside something the other side removed are skipped; the same edit on both is no conflict', () => {
  const mine = edited((p) => {
    tag(p, 'filling', 'filling-plc', conn(p, 'filling', 'filling-plc').tags[0].name).label = 'mine';
    line(p, 'extrusion').name = 'Same';
    conn(p, 'extrusion', 'extrusion-plc').tags = conn(p, 'extrusion', 'extrusion-plc').tags.filter((t: Mutable) => t.name !== 'fault');
  });
  const theirs = edited((p) => {
    p.lines = p.lines.filter((l: Mutable) => l.id !== 'filling');
    line(p, 'extrusion').name = 'Same';
  });
  const { plant, conflicts } = rebasePlant(demo, mine, theirs);
  assert.deepEqual(
    conflicts.map((c) => c.resolution),
    ['skipped'],
  );
  assert.match(conflicts[0]!.change.path, /^lines\[filling\]\.connections\[filling-plc\]\.tags\[[a-z0-9-]+\]\.label$/);
  assert.equal(line(plant, 'filling'), undefined);
  assert.equal(tag(plant, 'extrusion', 'extrusion-plc', 'fault'), undefined, 'my removal applies');
  assert.equal(line(plant, 'extrusion').name, 'Same');
});
