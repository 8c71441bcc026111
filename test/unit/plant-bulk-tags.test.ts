import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressStep, type BulkTagsInput, bulkTags, maxBulkTags } from '../../lib/plant/bulk-tags.ts';
import { plantSchema } from '../../lib/plant/schema.ts';

const base: BulkTagsInput = { count: 3, area: 'holding', type: 'float32', start: 100, namePattern: 'zone-{n}-temp' };

/** The tags, or a failed assertion with the problems. */
function tagsOf(input: BulkTagsInput, existing: string[] = []) {
  const r = bulkTags(input, existing);
  assert.ok(r.ok, `refused: ${JSON.stringify(!r.ok && r.problems)}`);
  return r.tags;
}

/** The problems as `field: message`, or a failed assertion. */
function problemsOf(input: BulkTagsInput, existing: string[] = []): string[] {
  const r = bulkTags(input, existing);
  assert.ok(!r.ok, 'accepted');
  return r.problems.map((p) => `${p.field}: ${p.message}`);
}

test('addresses step by the type’s register count; bit areas step by one', () => {
  const cases: [Partial<BulkTagsInput>, [number, number | undefined][]][] = [
    [
      { type: 'float32' },
      [
        [100, undefined],
        [102, undefined],
        [104, undefined],
      ],
    ],
    [
      { type: 'int32' },
      [
        [100, undefined],
        [102, undefined],
        [104, undefined],
      ],
    ],
    [
      { type: 'uint32', area: 'input' },
      [
        [100, undefined],
        [102, undefined],
        [104, undefined],
      ],
    ],
    [
      { type: 'int16' },
      [
        [100, undefined],
        [101, undefined],
        [102, undefined],
      ],
    ],
    [
      { type: 'uint16', area: 'input' },
      [
        [100, undefined],
        [101, undefined],
        [102, undefined],
      ],
    ],
    [
      { type: 'bool', area: 'coil' },
      [
        [100, undefined],
        [101, undefined],
        [102, undefined],
      ],
    ],
    [
      { type: 'bool', area: 'discrete' },
      [
        [100, undefined],
        [101, undefined],
        [102, undefined],
      ],
    ],
    // Bools in a register fill its bits, then the next register's.
    [
      { type: 'bool', area: 'holding', startBit: 14 },
      [
        [100, 14],
        [100, 15],
        [101, 0],
      ],
    ],
    [
      { type: 'bool', area: 'input' },
      [
        [100, 0],
        [100, 1],
        [100, 2],
      ],
    ],
  ];
  for (const [extra, expected] of cases) {
    const tags = tagsOf({ ...base, ...extra });
    assert.deepEqual(
      tags.map((t) => [t.address, t.bit]),
      expected,
      JSON.stringify(extra),
    );
    for (const t of tags) assert.equal(t.area, extra.area ?? 'holding');
  }
  assert.equal(addressStep('holding', 'float32'), 2);
  assert.equal(addressStep('coil', 'bool'), 1);
});

test('names and labels come from the patterns, numbered from firstN', () => {
  const tags = tagsOf({ ...base, count: 20, firstN: 1, labelPattern: 'Zone {n} temperature' });
  assert.equal(tags.length, 20);
  assert.equal(tags[0]!.name, 'zone-1-temp');
  assert.equal(tags[19]!.name, 'zone-20-temp');
  assert.equal(tags[19]!.address, 138);
  assert.equal(tags[4]!.label, 'Zone 5 temperature');
  assert.deepEqual(
    tagsOf({ ...base, firstN: 0 }).map((t) => t.name),
    ['zone-0-temp', 'zone-1-temp', 'zone-2-temp'],
  );
  assert.deepEqual(
    tagsOf({ ...base, namePattern: 'm{n}-{n}' }).map((t) => t.name),
    ['m1-1', 'm2-2', 'm3-3'],
  );
  assert.equal(tagsOf(base)[0]!.label, undefined, 'no label pattern: no label');
});

test('common fields go to every tag, each its own copy; empty ones are left out', () => {
  const alarms = { hi: { limit: 200, priority: 'high' as const }, deadband: 1 };
  const tags = tagsOf({ ...base, unit: '°C', decimals: 1, scale: 0.1, wordOrder: 'CDAB', scanMs: undefined, alarms });
  assert.deepEqual(Object.keys(tags[0]!).sort(), ['address', 'alarms', 'area', 'decimals', 'name', 'scale', 'type', 'unit', 'wordOrder']);
  assert.deepEqual(tags[2]!.alarms, alarms);
  assert.notEqual(tags[0]!.alarms, tags[1]!.alarms, 'editing one tag’s alarms must not edit the others');
});

test('refused, naming the field: every problem of the input', () => {
  const cases: [Partial<BulkTagsInput>, RegExp[]][] = [
    [{ namePattern: 'zone-temp' }, [/^namePattern: must contain \{n\}/]],
    [{ count: 0 }, [/^count: must be a whole number from 1 to 500/]],
    [{ count: maxBulkTags + 1 }, [/^count: /]],
    [{ count: 2.5 }, [/^count: /]],
    [{ start: -1 }, [/^start: must be an address from 0 to 65535/]],
    [{ start: 65536 }, [/^start: /]],
    [{ firstN: -1 }, [/^firstN: /]],
    [{ type: 'bool', area: 'holding', startBit: 16 }, [/^startBit: must be a bit from 0 to 15/]],
    [{ count: 0, namePattern: 'x' }, [/^count: /, /^namePattern: /]],
    [{ namePattern: 'Zone-{n}' }, [/^namePattern: makes “Zone-1”, not a tag name/]],
    [{ namePattern: 'a-very-long-tag-name-that-grows-with-it{n}', count: 10 }, [/^namePattern: makes “a-very-long-tag-name-that-grows-with-it10”/]],
  ];
  for (const [extra, expected] of cases) {
    const problems = problemsOf({ ...base, ...extra });
    assert.equal(problems.length, expected.length, `${JSON.stringify(extra)} → ${problems.join('; ')}`);
    for (const [i, re] of expected.entries()) assert.match(problems[i]!, re);
  }
});

test('addresses running past 65535 are refused; up to it is fine', () => {
  assert.match(problemsOf({ ...base, count: 3, start: 65532 })[0]!, /^count: 3 float32 tags from 65532 .* run to 65537, past register 65535/);
  assert.match(problemsOf({ ...base, type: 'int16', count: 2, start: 65535 })[0]!, /run to 65536/);
  assert.match(problemsOf({ ...base, type: 'bool', area: 'coil', count: 2, start: 65535 })[0]!, /run to 65536/);
  assert.match(problemsOf({ ...base, type: 'bool', area: 'input', count: 3, start: 65535, startBit: 14 })[0]!, /16 a register\) run to 65536/);
  assert.equal(tagsOf({ ...base, count: 2, start: 65532 }).at(-1)!.address, 65534);
  assert.equal(tagsOf({ ...base, type: 'int16', count: 1, start: 65535 })[0]!.address, 65535);
  assert.equal(tagsOf({ ...base, type: 'bool', area: 'input', count: 2, start: 65535, startBit: 14 }).at(-1)!.bit, 15);
});

test('names the line already has are refused', () => {
  assert.deepEqual(problemsOf(base, ['zone-2-temp', 'other']), ['namePattern: makes names the line already has: zone-2-temp']);
  assert.match(
    problemsOf({ ...base, count: 10 }, ['zone-1-temp', 'zone-2-temp', 'zone-3-temp', 'zone-4-temp'])[0]!,
    /zone-1-temp, zone-2-temp, zone-3-temp, …$/,
  );
});

test('what it makes passes the plant schema (with the line’s other fields)', () => {
  for (const extra of [
    {},
    { type: 'int16', scale: 0.1 },
    { type: 'bool', area: 'coil' },
    { type: 'bool', area: 'holding', startBit: 3 },
  ] as Partial<BulkTagsInput>[]) {
    const tags = tagsOf({ ...base, count: 40, ...extra });
    const plant = { name: 'p', lines: [{ id: 'l', name: 'L', connections: [{ id: 'c', protocol: 'tcp', tags }] }] };
    const r = plantSchema.safeParse(plant);
    assert.ok(r.success, JSON.stringify(r.error?.issues.slice(0, 3)));
  }
});
