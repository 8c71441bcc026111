import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkedValue } from '../../server/writes/tag-writer.ts';
import {
  commandAction,
  confirmQuestion,
  limitsText,
  mayWrite,
  parseEntry,
  resultText,
  valueProblem,
  valueText,
  type Writable,
} from '../../lib/client/tag-write.ts';
import type { TagConfig, WritableConfig } from '../../lib/plant/schema.ts';

const zone: Writable = { min: 175, max: 195, step: 1, confirm: true, role: 'operator' };
const tag = { name: 'zone1-setpoint', label: 'Barrel zone 1 setpoint', decimals: 0, unit: '°C', type: 'float32' };

test('mayWrite: viewers never; operators what asks for an operator; admins all', () => {
  const admin: Writable = { ...zone, role: 'admin' };
  assert.equal(mayWrite('viewer', zone), false);
  assert.equal(mayWrite(undefined, zone), false);
  assert.equal(mayWrite('operator', zone), true);
  assert.equal(mayWrite('operator', admin), false);
  assert.equal(mayWrite('admin', admin), true);
  assert.equal(mayWrite('admin', undefined), false);
});

test('parseEntry: numbers as typed on a phone, a decimal comma, nothing else', () => {
  const cases: [string, number | null][] = [
    ['190', 190],
    [' 190.5 ', 190.5],
    ['190,5', 190.5],
    ['-3', -3],
    ['.5', 0.5],
    ['', null],
    ['1,000.5', null],
    ['1e3', null],
    ['abc', null],
    ['19 0', 190],
  ];
  for (const [text, expected] of cases) assert.equal(parseEntry(text), expected, JSON.stringify(text));
});

test('valueProblem: the server refuses what it refuses, naming the limit', () => {
  const w = { ...zone, minIntervalMs: 1000 } as WritableConfig;
  const config = { type: 'float32', unit: '°C' } as TagConfig;
  for (const v of [174, 175, 190, 195, 196, 190.5, 174.999]) {
    const client = valueProblem(v, zone, '°C');
    let server: string | null = null;
    try {
      checkedValue(config, w, v);
    } catch (error) {
      server = (error as Error).message;
    }
    assert.equal(client === null, server === null, `${v}: client ${client} / server ${server}`);
  }
  assert.match(valueProblem(250, zone, '°C')!, /at most 195 °C/);
  assert.match(valueProblem(100, zone, '°C')!, /at least 175 °C/);
  assert.match(valueProblem(190.5, zone, '°C')!, /steps of 1 °C from 175 \(e\.g\. 190 or 191\)/);
  assert.match(valueProblem(null, zone, '°C')!, /Enter a number/);
  assert.equal(valueProblem(0.3, { confirm: true, role: 'operator', min: 0, max: 1, step: 0.1 }, ''), null);
});

test('limitsText, valueText, confirmQuestion, resultText: the words of the dialog', () => {
  assert.equal(limitsText(zone, '°C'), '175 … 195 °C, step 1 °C');
  assert.equal(limitsText({ confirm: true, role: 'operator', max: 60 }, 'bpm'), 'up to 60 bpm');
  assert.equal(valueText(185, tag), '185 °C');
  assert.equal(valueText(190.5, tag), '190.5 °C', 'never shown rounded');
  assert.equal(confirmQuestion(tag, zone, 185, 190), 'Change Barrel zone 1 setpoint from 185 °C to 190 °C?');
  const run = { name: 'run-command', label: 'Line run command', decimals: 0, unit: '', type: 'bool' };
  const latched: Writable = { confirm: true, role: 'operator' };
  assert.equal(commandAction(run, 'latched', 0), 'Stop line');
  assert.equal(commandAction(run, 'latched', 1), 'Start line');
  assert.equal(commandAction({ name: 'heater', label: 'Heater' }, 'latched', 1), 'Switch on');
  assert.equal(commandAction({ name: 'fault-reset', label: 'Line fault reset' }, 'momentary', 1), 'Reset fault');
  assert.equal(confirmQuestion(run, latched, 1, 0), 'Stop line: change Line run command from On to Off?');
  const reset = { ...run, name: 'fault-reset', label: 'Line fault reset' };
  assert.equal(confirmQuestion(reset, { ...latched, pulseMs: 500 }, 0, 1), 'Reset fault: send a 500 ms pulse to Line fault reset?');
  const answer = { tag: 'extrusion.zone1-setpoint', previous: 185, requested: 190 };
  assert.equal(resultText({ ...answer, readBack: 190, outcome: 'confirmed', message: 'confirmed' }, tag), 'Confirmed — PLC shows 190 °C');
  assert.equal(
    resultText({ ...answer, readBack: 185, outcome: 'not-confirmed', message: 'not confirmed: PLC shows 185 °C' }, tag),
    'Not confirmed: PLC shows 185 °C',
  );
  assert.equal(resultText({ ...answer, readBack: null, outcome: 'confirmed', message: 'pulse sent (500 ms)' }, tag), 'Pulse sent (500 ms)');
});
