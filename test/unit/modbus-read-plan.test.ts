import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_READ_BITS, MAX_READ_REGISTERS, planReads, type ReadBlock } from '../../lib/modbus/read-plan.ts';
import type { RegisterArea, TagConfig, TagType } from '../../lib/plant/schema.ts';
import { registerCount } from '../../lib/plant/schema.ts';

let n = 0;
function tag(area: RegisterArea, address: number, type: TagType = 'uint16', extra: Partial<TagConfig> = {}): TagConfig {
  return { name: `t${n++}`, area, address, type, wordOrder: 'ABCD', scale: 1, offset: 0, unit: '', decimals: 1, ...extra };
}
const conn = (tags: TagConfig[], scanMs = 1000) => ({ scanMs, tags });
const shape = (blocks: ReadBlock[]) => blocks.map((b) => [b.area, b.start, b.quantity, b.scanMs]);

/** Invariants every plan must hold, whatever the input. */
function assertSound(tags: TagConfig[], blocks: ReadBlock[], limits = { registers: MAX_READ_REGISTERS, bits: MAX_READ_BITS }) {
  const seen = new Map<TagConfig, number>();
  for (const b of blocks) {
    const bits = b.area === 'coil' || b.area === 'discrete';
    assert.ok(b.quantity >= 1 && b.quantity <= (bits ? limits.bits : limits.registers), `block ${b.area}@${b.start} has ${b.quantity}`);
    assert.ok(b.start + b.quantity <= 65536);
    for (const t of b.tags) {
      assert.equal(t.tag.area, b.area);
      assert.equal(t.offset, t.tag.address - b.start);
      assert.ok(t.offset >= 0, 'tag starts inside its block');
      assert.ok(
        t.offset + (bits ? 1 : registerCount(t.tag.type)) <= b.quantity,
        `${t.tag.type} at ${t.tag.address} straddles the end of ${b.start}+${b.quantity}`,
      );
      seen.set(t.tag, (seen.get(t.tag) ?? 0) + 1);
    }
  }
  for (const t of tags) assert.equal(seen.get(t), 1, `tag ${t.name} is read exactly once`);
}

test('contiguous tags of mixed widths coalesce into one read, with offsets', () => {
  const tags = [tag('holding', 10, 'float32'), tag('holding', 12, 'int16'), tag('holding', 13, 'uint32'), tag('holding', 15, 'uint16')];
  const blocks = planReads(conn(tags));
  assert.deepEqual(shape(blocks), [['holding', 10, 6, 1000]]);
  assert.deepEqual(
    blocks[0]!.tags.map((t) => t.offset),
    [0, 2, 3, 5],
  );
  assertSound(tags, blocks);
});

test('tags are sorted by address whatever the file order', () => {
  const tags = [tag('holding', 5), tag('holding', 1), tag('holding', 3)];
  const blocks = planReads(conn(tags));
  assert.deepEqual(
    blocks[0]!.tags.map((t) => t.tag.address),
    [1, 3, 5],
  );
  assertSound(tags, blocks);
});

test('gaps: bridged up to maxGap, split beyond', () => {
  const cases: { gap: number; maxGap?: number; reads: number }[] = [
    { gap: 0, reads: 1 },
    { gap: 8, reads: 1 }, // default maxGap 8
    { gap: 9, reads: 2 },
    { gap: 1, maxGap: 0, reads: 2 },
    { gap: 0, maxGap: 0, reads: 1 },
    { gap: 50, maxGap: 50, reads: 1 },
  ];
  for (const c of cases) {
    const tags = [tag('holding', 100), tag('holding', 101 + c.gap)];
    const blocks = planReads(conn(tags), { maxGap: c.maxGap });
    assert.equal(blocks.length, c.reads, `gap ${c.gap}, maxGap ${c.maxGap ?? 'default'}`);
    assertSound(tags, blocks);
  }
});

test('never more than 125 registers in a read', () => {
  const tags = Array.from({ length: 300 }, (_, i) => tag('input', i));
  const blocks = planReads(conn(tags));
  assert.deepEqual(shape(blocks), [
    ['input', 0, 125, 1000],
    ['input', 125, 125, 1000],
    ['input', 250, 50, 1000],
  ]);
  assertSound(tags, blocks);
});

test('a gap is never bridged past the limit', () => {
  const tags = [tag('holding', 0), tag('holding', 120), tag('holding', 126)];
  const blocks = planReads(conn(tags), { maxGap: 119 });
  assert.deepEqual(shape(blocks), [
    ['holding', 0, 121, 1000],
    ['holding', 126, 1, 1000],
  ]);
  assertSound(tags, blocks);
});

test('a 32-bit tag is never split between two reads', () => {
  // 62 float32 fill registers 0..123; the 63rd (124..125) would make the read 126 long.
  const tags = Array.from({ length: 63 }, (_, i) => tag('holding', i * 2, 'float32'));
  const blocks = planReads(conn(tags));
  assert.deepEqual(shape(blocks), [
    ['holding', 0, 124, 1000],
    ['holding', 124, 2, 1000],
  ]);
  assertSound(tags, blocks);

  // Odd alignment: uint16 at 0, then int32 at 1, 3, ...: the one at 123 (123..124) still fits.
  const odd = [tag('holding', 0), ...Array.from({ length: 63 }, (_, i) => tag('holding', 1 + i * 2, 'int32'))];
  const oddBlocks = planReads(conn(odd));
  assert.deepEqual(shape(oddBlocks), [
    ['holding', 0, 125, 1000],
    ['holding', 125, 2, 1000],
  ]);
  assertSound(odd, oddBlocks);
});

test('a lower register limit (small PLCs) is honoured, and 32-bit tags still fit', () => {
  const tags = Array.from({ length: 20 }, (_, i) => tag('holding', i * 2, 'uint32'));
  const blocks = planReads(conn(tags), { maxRegisters: 7 });
  for (const b of blocks) assert.ok(b.quantity <= 7);
  assertSound(tags, blocks, { registers: 7, bits: MAX_READ_BITS });
});

test('coils and discrete inputs: ≤ 2000 bits a read, gaps in bits', () => {
  const coils = Array.from({ length: 2500 }, (_, i) => tag('coil', i, 'bool'));
  const blocks = planReads(conn(coils));
  assert.deepEqual(shape(blocks), [
    ['coil', 0, 2000, 1000],
    ['coil', 2000, 500, 1000],
  ]);
  assertSound(coils, blocks);

  const sparse = [tag('discrete', 0, 'bool'), tag('discrete', 129, 'bool'), tag('discrete', 300, 'bool')];
  // Default bit gap = 8 registers' worth = 128 bits.
  assert.deepEqual(shape(planReads(conn(sparse))), [
    ['discrete', 0, 130, 1000],
    ['discrete', 300, 1, 1000],
  ]);
  assert.deepEqual(shape(planReads(conn(sparse), { maxBitGap: 0 })).length, 3);
});

test('bool tags sharing a register share one read of that register', () => {
  const tags = [
    tag('holding', 40, 'bool', { bit: 0 }),
    tag('holding', 40, 'bool', { bit: 7 }),
    tag('holding', 40, 'bool', { bit: 15 }),
    tag('holding', 40, 'uint16'),
  ];
  const blocks = planReads(conn(tags), { maxGap: 0 });
  assert.deepEqual(shape(blocks), [['holding', 40, 1, 1000]]);
  assert.deepEqual(
    blocks[0]!.tags.map((t) => [t.offset, t.tag.bit]),
    [
      [0, 0],
      [0, 7],
      [0, 15],
      [0, undefined],
    ],
  );
  assertSound(tags, blocks);
});

test('different scan periods and different areas give separate reads', () => {
  const tags = [
    tag('holding', 0),
    tag('holding', 1, 'uint16', { scanMs: 100 }),
    tag('holding', 2),
    tag('input', 0),
    tag('coil', 0, 'bool'),
    tag('coil', 1, 'bool', { scanMs: 5000 }),
  ];
  const blocks = planReads(conn(tags, 1000));
  assert.deepEqual(shape(blocks), [
    ['holding', 1, 1, 100],
    ['holding', 0, 3, 1000],
    ['input', 0, 1, 1000],
    ['coil', 0, 1, 1000],
    ['coil', 1, 1, 5000],
  ]);
  assertSound(tags, blocks);
});

test('the top of the address space is reachable', () => {
  const tags = [tag('holding', 65534, 'float32'), tag('coil', 65535, 'bool')];
  const blocks = planReads(conn(tags));
  assert.deepEqual(shape(blocks), [
    ['holding', 65534, 2, 1000],
    ['coil', 65535, 1, 1000],
  ]);
  assertSound(tags, blocks);
});

test('tag ids are filled when a line id is given', () => {
  const t = tag('holding', 0);
  assert.equal(planReads(conn([t]))[0]!.tags[0]!.tagId, undefined);
  assert.equal(planReads(conn([t]), { lineId: 'press-1' })[0]!.tags[0]!.tagId, `press-1.${t.name}`);
});

test('out-of-range options are rejected', () => {
  const c = conn([tag('holding', 0)]);
  assert.throws(() => planReads(c, { maxRegisters: 126 }), RangeError);
  assert.throws(() => planReads(c, { maxRegisters: 1 }), /maxRegisters/);
  assert.throws(() => planReads(c, { maxBits: 2001 }), RangeError);
  assert.throws(() => planReads(c, { maxGap: -1 }), RangeError);
  assert.throws(() => planReads(c, { maxGap: 1.5 }), RangeError);
});

test('random plants: limits, coverage and no straddling always hold', () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const types: TagType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'bool'];
  for (let round = 0; round < 200; round++) {
    const tags: TagConfig[] = [];
    const count = 1 + Math.floor(rand() * 400);
    for (let i = 0; i < count; i++) {
      const area = (['holding', 'input', 'coil', 'discrete'] as const)[Math.floor(rand() * 4)]!;
      const bits = area === 'coil' || area === 'discrete';
      const type = bits ? 'bool' : types[Math.floor(rand() * types.length)]!;
      const address = Math.floor(rand() * (bits ? 6000 : 1000));
      const scanMs = rand() < 0.3 ? 250 : undefined;
      tags.push(tag(area, address, type, { ...(type === 'bool' && !bits ? { bit: Math.floor(rand() * 16) } : {}), ...(scanMs ? { scanMs } : {}) }));
    }
    const maxGap = Math.floor(rand() * 40);
    assertSound(tags, planReads(conn(tags), { maxGap }));
  }
});
