import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSampleEvent, encodeSampleEvent } from '../../lib/stream/sample-wire.ts';
import type { EventPayloads } from '../../lib/types.ts';

test('a poll block: good samples of the block time travel as [name, value]; decoding gives the samples back', () => {
  const block: EventPayloads['sample'] = {
    line: 'extrusion',
    readAt: 1_763_779_200_123.456,
    samples: [
      { tag: 'extrusion.zone1-temp', ts: 1_763_779_200_123, value: 212.5, quality: 'good' },
      { tag: 'extrusion.running', ts: 1_763_779_200_123, value: 1, quality: 'good' },
    ],
  };
  const wire = encodeSampleEvent(block);
  assert.deepEqual(wire.s, [
    ['zone1-temp', 212.5],
    ['running', 1],
  ]);
  assert.deepEqual(decodeSampleEvent(JSON.parse(JSON.stringify(wire))), block);
});

test('bad, stale, other timestamps and null values keep every field; a coalesced batch round-trips', () => {
  const batch: EventPayloads['sample'] = {
    line: 'filling',
    readAt: 5000.25,
    samples: [
      { tag: 'filling.speed', ts: 4000, value: 10, quality: 'good' },
      { tag: 'filling.level', ts: 4900, value: 55.25, quality: 'good' },
      { tag: 'filling.fault', ts: 4000, value: null, quality: 'bad', reason: 'exception 02 (illegal data address)' },
      { tag: 'filling.count', ts: 3000, value: 1234, quality: 'stale' },
    ],
  };
  const wire = encodeSampleEvent(batch);
  assert.deepEqual(wire.s[1], ['level', 55.25, 4900, 'good']);
  assert.deepEqual(wire.s[2], ['fault', null, 4000, 'bad', 'exception 02 (illegal data address)']);
  assert.deepEqual(decodeSampleEvent(JSON.parse(JSON.stringify(wire))), batch);
  assert.deepEqual(decodeSampleEvent(encodeSampleEvent({ line: 'x', readAt: 1, samples: [] })), { line: 'x', readAt: 1, samples: [] });
});

test('the wire form of a 100-tag block is under a third of the object form', () => {
  const block: EventPayloads['sample'] = {
    line: 'bench-3',
    readAt: 1_763_779_200_123.456,
    samples: Array.from({ length: 100 }, (_, i) => ({ tag: `bench-3.t${i}`, ts: 1_763_779_200_123, value: 100 + i + 0.38671875, quality: 'good' as const })),
  };
  const wire = JSON.stringify(encodeSampleEvent(block)).length;
  const objects = JSON.stringify(block).length;
  assert.ok(wire * 3 < objects, `${wire} vs ${objects} bytes`);
});
