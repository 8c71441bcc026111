import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decodeRaw, encode, encodeBit, type CodecSpec } from '../../lib/modbus/codec.ts';
import { tagTypes, wordOrders, type TagType, type WordOrder } from '../../lib/plant/schema.ts';

const spec = (type: TagType, wordOrder: WordOrder = 'ABCD', extra: Partial<CodecSpec> = {}): CodecSpec => ({ type, wordOrder, scale: 1, offset: 0, ...extra });

/** Registers as a device sends them, written out by hand for every order (A = most significant byte). */
const table: { type: TagType; value: number; words: Record<WordOrder, number[]> }[] = [
  // bytes 12 34
  { type: 'int16', value: 4660, words: { ABCD: [0x1234], CDAB: [0x1234], BADC: [0x3412], DCBA: [0x3412] } },
  // bytes FF 85
  { type: 'int16', value: -123, words: { ABCD: [0xff85], CDAB: [0xff85], BADC: [0x85ff], DCBA: [0x85ff] } },
  { type: 'int16', value: -32768, words: { ABCD: [0x8000], CDAB: [0x8000], BADC: [0x0080], DCBA: [0x0080] } },
  { type: 'uint16', value: 65413, words: { ABCD: [0xff85], CDAB: [0xff85], BADC: [0x85ff], DCBA: [0x85ff] } },
  { type: 'uint16', value: 4660, words: { ABCD: [0x1234], CDAB: [0x1234], BADC: [0x3412], DCBA: [0x3412] } },
  // bytes 12 34 56 78
  { type: 'int32', value: 0x12345678, words: { ABCD: [0x1234, 0x5678], CDAB: [0x5678, 0x1234], BADC: [0x3412, 0x7856], DCBA: [0x7856, 0x3412] } },
  // bytes FE DC BA 98
  { type: 'int32', value: -19088744, words: { ABCD: [0xfedc, 0xba98], CDAB: [0xba98, 0xfedc], BADC: [0xdcfe, 0x98ba], DCBA: [0x98ba, 0xdcfe] } },
  { type: 'uint32', value: 4275878552, words: { ABCD: [0xfedc, 0xba98], CDAB: [0xba98, 0xfedc], BADC: [0xdcfe, 0x98ba], DCBA: [0x98ba, 0xdcfe] } },
  { type: 'uint32', value: 0x12345678, words: { ABCD: [0x1234, 0x5678], CDAB: [0x5678, 0x1234], BADC: [0x3412, 0x7856], DCBA: [0x7856, 0x3412] } },
  // 12.56 as float32: bytes 41 48 F5 C3
  { type: 'float32', value: Math.fround(12.56), words: { ABCD: [0x4148, 0xf5c3], CDAB: [0xf5c3, 0x4148], BADC: [0x4841, 0xc3f5], DCBA: [0xc3f5, 0x4841] } },
  // -1.5 as float32: bytes BF C0 00 00
  { type: 'float32', value: -1.5, words: { ABCD: [0xbfc0, 0x0000], CDAB: [0x0000, 0xbfc0], BADC: [0xc0bf, 0x0000], DCBA: [0x0000, 0xc0bf] } },
];

test('every numeric type × every word order decodes from literal registers', () => {
  const covered = new Set<string>();
  for (const row of table) {
    for (const order of wordOrders) {
      const got = decode(row.words[order], 0, spec(row.type, order));
      assert.equal(got, row.value, `${row.type} ${order} ${row.words[order].map((w) => w.toString(16))}`);
      covered.add(`${row.type}/${order}`);
    }
  }
  for (const type of tagTypes.filter((t) => t !== 'bool')) for (const order of wordOrders) assert.ok(covered.has(`${type}/${order}`), `${type}/${order}`);
});

test('every numeric type × every word order encodes to the same literal registers', () => {
  for (const row of table) {
    for (const order of wordOrders) assert.deepEqual(encode(row.value, spec(row.type, order)), row.words[order], `${row.type} ${order}`);
  }
});

test('decodes from the bytes of a real FC3 reply payload', () => {
  // Payload of "read 4 holding registers": float32 CDAB 12.56, then int16 -123, then uint16 4660.
  const payload = Buffer.from([0xf5, 0xc3, 0x41, 0x48, 0xff, 0x85, 0x12, 0x34]);
  const words = Array.from({ length: payload.length / 2 }, (_, i) => payload.readUInt16BE(i * 2));
  assert.equal(decode(words, 0, spec('float32', 'CDAB')), Math.fround(12.56));
  assert.equal(decode(words, 2, spec('int16')), -123);
  assert.equal(decode(words, 3, spec('uint16')), 4660);
});

test('scale and offset give engineering values (raw × scale + offset)', () => {
  const cases: { words: number[]; s: CodecSpec; expected: number }[] = [
    { words: [0x00fb], s: spec('int16', 'ABCD', { scale: 0.1 }), expected: 25.1 },
    { words: [0xff85], s: spec('int16', 'ABCD', { scale: 0.1 }), expected: -12.3 },
    { words: [0xff85], s: spec('int16', 'ABCD', { scale: 0.1, offset: 5 }), expected: -7.3 },
    { words: [0x0064], s: spec('uint16', 'BADC', { scale: 1, offset: -273.15 }), expected: 25600 - 273.15 },
    { words: [0x0001, 0x86a0], s: spec('uint32', 'ABCD', { scale: 0.001 }), expected: 100 },
    { words: [0x86a0, 0x0001], s: spec('int32', 'CDAB', { scale: -2, offset: 1 }), expected: -199_999 },
    { words: [0x0000, 0xbfc0], s: spec('float32', 'CDAB', { scale: 10, offset: 100 }), expected: 85 },
  ];
  for (const c of cases) {
    const got = decode(c.words, 0, c.s);
    assert.ok(Math.abs(got - c.expected) < 1e-9, `${c.s.type} ${c.s.wordOrder} ×${c.s.scale}+${c.s.offset}: ${got} ≠ ${c.expected}`);
    assert.equal(decodeRaw(c.words, 0, c.s), decode(c.words, 0, { ...c.s, scale: 1, offset: 0 }));
  }
});

test('bool tags read one bit of a register, ignore scale and offset', () => {
  const word = 0b1000_0000_0010_0101;
  const expected: Record<number, number> = { 0: 1, 1: 0, 2: 1, 3: 0, 5: 1, 14: 0, 15: 1 };
  for (const [bit, value] of Object.entries(expected)) {
    assert.equal(decode([word], 0, spec('bool', 'ABCD', { bit: Number(bit), scale: 10, offset: 3 })), value, `bit ${bit}`);
  }
  // A coil/discrete reply arrives as 0/1 per address: bit 0.
  assert.equal(decode([0, 1, 0], 1, spec('bool')), 1);
  assert.equal(decode([0, 1, 0], 2, spec('bool')), 0);
});

test('decodes at an offset inside a block and refuses to read past its end', () => {
  const words = [0xdead, 0xbeef, 0x1234, 0x5678, 0x0001];
  assert.equal(decode(words, 2, spec('uint32')), 0x12345678);
  assert.equal(decode(words, 4, spec('int16')), 1);
  assert.throws(() => decode(words, 4, spec('float32')), RangeError);
  assert.throws(() => decode([], 0, spec('uint16')), RangeError);
});

test('register values above 16 bits are masked, as the wire would', () => {
  assert.equal(decode([0x1ff85], 0, spec('int16')), -123);
});

test('encode → decode round trips for every type and order', () => {
  const values: Record<Exclude<TagType, 'bool'>, number[]> = {
    int16: [0, 1, -1, 123, -123, 32767, -32768],
    uint16: [0, 1, 4660, 65535],
    int32: [0, -1, 0x12345678, -19088744, 2147483647, -2147483648],
    uint32: [0, 1, 65536, 4275878552, 4294967295],
    float32: [0, 1.5, -1.5, Math.fround(12.56), Math.fround(-3.4e38), Math.fround(1e-30)],
  };
  for (const [type, list] of Object.entries(values) as [Exclude<TagType, 'bool'>, number[]][]) {
    for (const order of wordOrders) {
      for (const v of list) assert.equal(decode(encode(v, spec(type, order)), 0, spec(type, order)), v, `${type} ${order} ${v}`);
    }
  }
});

test('round trips through scale and offset, within one raw step', () => {
  for (const order of wordOrders) {
    const s = spec('int16', order, { scale: 0.1, offset: -20 });
    for (const v of [-20, 0, 12.3, 25.1, -3000]) assert.ok(Math.abs(decode(encode(v, s), 0, s) - v) < 0.05 + 1e-9, `${order} ${v}`);
    const f = spec('float32', order, { scale: 2, offset: 1 });
    assert.equal(decode(encode(7, f), 0, f), 7);
  }
});

test('encode rounds and clamps integers like a PLC conversion', () => {
  assert.deepEqual(encode(40000, spec('int16')), [0x7fff]);
  assert.deepEqual(encode(-40000, spec('int16')), [0x8000]);
  assert.deepEqual(encode(-5, spec('uint16')), [0x0000]);
  assert.deepEqual(encode(12.6, spec('uint16')), [13]);
  assert.deepEqual(encode(2 ** 33, spec('uint32')), [0xffff, 0xffff]);
  assert.deepEqual(encode(25.14, spec('int16', 'ABCD', { scale: 0.1 })), [251]);
});

test('bools are bits: encode refuses them, encodeBit sets and clears one bit', () => {
  assert.throws(() => encode(1, spec('bool')), TypeError);
  assert.equal(encodeBit(0, 3, true), 0b1000);
  assert.equal(encodeBit(0xffff, 15, false), 0x7fff);
  assert.equal(encodeBit(0b1010, 1, false), 0b1000);
  assert.equal(encodeBit(0b1010, 3, true), 0b1010);
  for (let bit = 0; bit < 16; bit++) assert.equal(decode([encodeBit(0, bit, true)], 0, spec('bool', 'ABCD', { bit })), 1);
});

/**
 * Round trips over the whole table, as the write path needs them: the poller decodes what it
 * reads and the write path encodes what an operator types, so for every numeric type × word
 * order × scale/offset, encoding must be the exact inverse of decoding.
 */
const numericTypes = tagTypes.filter((t): t is Exclude<TagType, 'bool'> => t !== 'bool');
const scalings: { scale: number; offset: number }[] = [
  { scale: 1, offset: 0 },
  { scale: 0.1, offset: 0 },
  { scale: 0.01, offset: -40 },
  { scale: 10, offset: 100 },
  { scale: -2, offset: 1 },
  { scale: 0.001, offset: -273.15 },
  { scale: 1 / 3, offset: 0 },
];
const rawValues: Record<Exclude<TagType, 'bool' | 'float32'>, number[]> = {
  int16: [-32768, -32767, -1000, -1, 0, 1, 123, 4660, 32766, 32767],
  uint16: [0, 1, 255, 256, 4660, 32768, 65534, 65535],
  int32: [-2147483648, -19088744, -65536, -1, 0, 1, 65535, 65536, 0x12345678, 2147483647],
  uint32: [0, 1, 65535, 65536, 0x12345678, 4275878552, 4294967294, 4294967295],
};
/** Engineering values written as a user would type them (float32 raw = (value − offset) / scale). */
const floatValues = [0, 1, -1, 0.1, 1.5, -1.5, 12.56, 185, 199.9, -273.15, 1234.5678, 1e6, -3.3e7, 1e-3];

/** 16-bit words from a small seeded generator (LCG), so a failure names words that reproduce. */
function words(count: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 16;
  });
}

test('decode(encode(x)) = x: every type × word order × scale/offset, for representable values', () => {
  let checked = 0;
  for (const type of numericTypes) {
    for (const order of wordOrders) {
      for (const { scale, offset } of scalings) {
        const s = spec(type, order, { scale, offset });
        const what = (x: number) => `${type} ${order} ×${scale}+${offset}: ${x}`;
        if (type === 'float32') {
          for (const x of floatValues) {
            const got = decode(encode(x, s), 0, s);
            // float32 keeps 24 significant bits of the raw value; the scaling adds double rounding.
            const tolerance = Math.abs(x - offset) * 2 ** -24 + 8 * Number.EPSILON * Math.max(Math.abs(x), Math.abs(offset), 1);
            assert.ok(Math.abs(got - x) <= tolerance, `${what(x)} → ${got} (±${tolerance})`);
            checked++;
          }
          continue;
        }
        for (const raw of rawValues[type]) {
          // Representable: a whole raw step of the type, in engineering units.
          const x = raw * scale + offset;
          assert.equal(decode(encode(x, s), 0, s), x, what(x));
          // A value typed between two steps is rounded to the nearest one.
          const between = x + 0.3 * scale;
          assert.equal(decode(encode(between, s), 0, s), x, `${what(between)} → nearest step`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 1000, `${checked} cases`);
});

test('encode(decode(words)) = words: every type × word order × scale/offset, for raw register words', () => {
  let seed = 1;
  for (const type of numericTypes) {
    const count = type === 'int16' || type === 'uint16' ? 1 : 2;
    for (const order of wordOrders) {
      for (const { scale, offset } of scalings) {
        const s = spec(type, order, { scale, offset });
        const edges =
          count === 1
            ? [[0x0000], [0x0001], [0x7fff], [0x8000], [0xffff]]
            : [
                [0, 0],
                [0, 1],
                [0x7fff, 0xffff],
                [0x8000, 0],
                [0xffff, 0xffff],
                [0x1234, 0x5678],
              ];
        const cases = [...edges, ...Array.from({ length: 200 }, () => words(count, seed++))];
        for (const w of cases) {
          const raw = decodeRaw(w, 0, s);
          if (type === 'float32') {
            // Not sent back bit for bit, by nature: NaN (any payload is one NaN to JavaScript)
            // and −0 (an engineering value has no sign of zero). With an offset, a raw value
            // far below it vanishes in the sum, as it would on any HMI: keep to a sane range.
            if (Number.isNaN(raw) || Object.is(raw, -0)) continue;
            if ((scale !== 1 || offset !== 0) && !(Math.abs(raw) >= 1e-3 && Math.abs(raw) <= 1e9)) continue;
          }
          const hex = w.map((x) => x.toString(16).padStart(4, '0')).join(' ');
          assert.deepEqual(encode(decode(w, 0, s), s), w, `${type} ${order} ×${scale}+${offset}: ${hex}`);
        }
      }
    }
  }
});

test('float32 with scale 1: every non-NaN pattern, infinities and subnormals included, comes back bit for bit', () => {
  const special = [
    [0x7f80, 0x0000], // +Infinity
    [0xff80, 0x0000], // −Infinity
    [0x0000, 0x0001], // smallest subnormal
    [0x007f, 0xffff], // largest subnormal
    [0x7f7f, 0xffff], // largest finite
    [0x0080, 0x0000], // smallest normal
  ];
  for (const order of wordOrders) {
    const s = spec('float32', order);
    // `special` is canonical (ABCD) bytes: lay them out in this order first.
    for (const abcd of special) {
      const w = encode(decode(abcd, 0, spec('float32')), s);
      assert.deepEqual(encode(decode(w, 0, s), s), w, `${order} ${abcd.map((x) => x.toString(16))}`);
      assert.equal(decode(w, 0, s), decode(abcd, 0, spec('float32')));
    }
    assert.equal(decode(encode(Number.NaN, s), 0, s), Number.NaN, 'NaN stays NaN');
    assert.deepEqual(encode(decode(encode(-0, s), 0, s), s), encode(0, s), '−0 reads and writes as 0');
  }
});

test('bool bits: encodeBit then decode reads the bit, leaves the other 15 alone, and writing back what was read changes nothing', () => {
  const bases = [0x0000, 0xffff, 0xa5a5, 0x5a5a, ...words(8, 99)];
  for (const base of bases) {
    for (let bit = 0; bit < 16; bit++) {
      const s = spec('bool', 'ABCD', { bit });
      for (const on of [true, false]) {
        const written = encodeBit(base, bit, on);
        assert.equal(decode([written], 0, s), on ? 1 : 0, `${base.toString(16)} bit ${bit} ${on}`);
        assert.equal((written ^ base) & ~(1 << bit) & 0xffff, 0, 'other bits untouched');
        assert.ok(written >= 0 && written <= 0xffff);
      }
      assert.equal(encodeBit(base, bit, decode([base], 0, s) === 1), base, `${base.toString(16)} bit ${bit}: read-modify-write of the same value`);
    }
  }
});
