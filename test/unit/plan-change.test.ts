import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { PlantFile } from '../../lib/plant/schema.ts';
import { demoPlantPath, parsePlant } from '../../server/plant/load-plant.ts';
import { planChange, type PlantChange } from '../../server/plant/plan-change.ts';

const demo = JSON.parse(readFileSync(demoPlantPath, 'utf8')) as PlantFile;
type Edit = (p: PlantFile) => void;

/** The plan from the demo plant to the demo plant after `edit` (both validated). */
function planOf(edit: Edit): PlantChange {
  const after = structuredClone(demo);
  edit(after);
  return planChange(parsePlant(demo), parsePlant(after));
}

const tagsOf = (p: PlantFile, line: number) => p.lines[line]!.connections[0]!.tags as Record<string, unknown>[];
const tagNamed = (p: PlantFile, line: number, name: string) => tagsOf(p, line).find((t) => t.name === name)!;
const ids = (refs: { connection: string }[]) => refs.map((r) => r.connection);

const cases: { name: string; edit: Edit; expect: (c: PlantChange) => void }[] = [
  {
    name: 'nothing changed: an empty plan',
    edit: () => {},
    expect: (c) => {
      assert.equal(c.empty, true);
      assert.deepEqual(c.summary, []);
      assert.deepEqual(c.connections, { added: [], removed: [], restarted: [], changed: [] });
    },
  },
  {
    name: 'an alarm limit moved: the tag and its connection change, nothing reconnects, no simulator restarts',
    edit: (p) => ((tagNamed(p, 0, 'zone1-temp').alarms as { hi: { limit: number } }).hi.limit = 180),
    expect: (c) => {
      assert.deepEqual(c.tags.changed, ['extrusion.zone1-temp']);
      assert.deepEqual(ids(c.connections.changed), ['extrusion-plc']);
      assert.deepEqual(c.connections.restarted, []);
      assert.deepEqual(c.simulators, []);
      assert.equal(c.empty, false);
    },
  },
  {
    name: 'a label changed: no reconnect',
    edit: (p) => (tagNamed(p, 1, 'tank-level').label = 'Buffer tank'),
    expect: (c) => {
      assert.deepEqual(c.tags.changed, ['filling.tank-level']);
      assert.deepEqual(c.connections.restarted, []);
    },
  },
  {
    name: 'a scan period changed: only that connection restarts (and its simulator keeps running)',
    edit: (p) => (p.lines[2]!.connections[0]!.scanMs = 500),
    expect: (c) => {
      assert.deepEqual(ids(c.connections.restarted), ['packaging-plc']);
      assert.deepEqual(c.connections.changed, []);
      assert.deepEqual(c.simulators, []);
      assert.deepEqual(c.tags.changed, []);
    },
  },
  {
    name: 'a tag address changed: its connection restarts, and its simulator (the register image moved)',
    edit: (p) => (tagNamed(p, 0, 'zone1-temp').address = 200),
    expect: (c) => {
      assert.deepEqual(ids(c.connections.restarted), ['extrusion-plc']);
      assert.deepEqual(ids(c.simulators), ['extrusion-plc']);
      assert.deepEqual(c.tags.changed, ['extrusion.zone1-temp']);
    },
  },
  {
    name: 'a simulation model changed: the simulator restarts, the poll loop does not',
    edit: (p) => ((tagNamed(p, 0, 'zone1-temp').sim as { nominal: number }).nominal = 150),
    expect: (c) => {
      assert.deepEqual(ids(c.simulators), ['extrusion-plc']);
      assert.deepEqual(c.connections.restarted, []);
    },
  },
  {
    name: 'a tag added and one removed',
    edit: (p) => {
      const tags = tagsOf(p, 1);
      tags.splice(
        tags.findIndex((t) => t.name === 'rinser-temp'),
        1,
      );
      tags.push({ name: 'spare', area: 'holding', address: 900, type: 'uint16' });
    },
    expect: (c) => {
      assert.deepEqual(c.tags.added, ['filling.spare']);
      assert.deepEqual(c.tags.removed, ['filling.rinser-temp']);
      assert.deepEqual(ids(c.connections.restarted), ['filling-plc']);
      assert.match(c.summary.join('\n'), /1 tag\(s\) added: filling\.spare/);
    },
  },
  {
    name: 'a connection added to a line, another line untouched',
    edit: (p) =>
      p.lines[2]!.connections.push({
        id: 'scale',
        protocol: 'tcp',
        host: '10.0.0.9',
        port: 502,
        tags: [{ name: 'weight', area: 'input', address: 0, type: 'uint16' }],
      }),
    expect: (c) => {
      assert.deepEqual(c.connections.added, [{ line: 'packaging', connection: 'scale' }]);
      assert.deepEqual(c.connections.restarted, []);
      assert.deepEqual(c.simulators, [], 'not simulated');
      assert.deepEqual(c.tags.added, ['packaging.weight']);
    },
  },
  {
    name: 'a line removed: its connection and tags go with it',
    edit: (p) => p.lines.splice(1, 1),
    expect: (c) => {
      assert.deepEqual(c.lines.removed, ['filling']);
      assert.deepEqual(c.connections.removed, [{ line: 'filling', connection: 'filling-plc' }]);
      // Every tag of the line (16 since the demo plant has setpoints and commands).
      assert.equal(c.tags.removed.length, tagsOf(demo, 1).length);
      assert.deepEqual(c.connections.restarted, []);
    },
  },
  {
    name: 'a line renamed: line metadata only',
    edit: (p) => (p.lines[0]!.name = 'Extruder 1'),
    expect: (c) => {
      assert.deepEqual(c.lines.changed, ['extrusion']);
      assert.deepEqual(c.connections, { added: [], removed: [], restarted: [], changed: [] });
    },
  },
  {
    name: 'a comm-loss delay changed: the connection changes, without reconnecting',
    edit: (p) => (p.lines[0]!.connections[0]!.commLoss = { delayMs: 20_000 }),
    expect: (c) => {
      assert.deepEqual(ids(c.connections.changed), ['extrusion-plc']);
      assert.deepEqual(c.connections.restarted, []);
      assert.match(c.summary.join('\n'), /comm-loss alarm changed/);
    },
  },
  {
    name: 'a default written out changes nothing that runs',
    edit: (p) => (p.lines[0]!.connections[0]!.timeoutMs = 1000),
    expect: (c) => assert.equal(c.empty, true),
  },
];

for (const { name, edit, expect } of cases) test(`planChange: ${name}`, () => expect(planOf(edit)));
