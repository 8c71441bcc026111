import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMbapGuard } from '../../server/poller/mbap-guard.ts';

/** Read holding registers reply: tid 1, 2 registers. */
const good = () => Buffer.from([0, 1, 0, 0, 0, 7, 1, 0x03, 4, 0x12, 0x34, 0x56, 0x78]);
const withByte = (b: Buffer, at: number, value: number) => {
  const c = Buffer.from(b);
  c[at] = value;
  return c;
};

const cases: [string, Buffer[], string | undefined][] = [
  ['a good reply', [good()], undefined],
  ['a good reply split anywhere, then another', [good().subarray(0, 3), good().subarray(3, 9), good().subarray(9), good()], undefined],
  ['an exception reply', [Buffer.from([0, 2, 0, 0, 0, 3, 1, 0x83, 2])], undefined],
  ['a write reply', [Buffer.from([0, 3, 0, 0, 0, 6, 1, 0x10, 0, 10, 0, 2])], undefined],
  ['unit id 255 from a TCP device', [withByte(good(), 6, 255)], undefined],
  ['a non-zero protocol id', [withByte(good(), 3, 7)], 'bad reply: protocol id 7'],
  ['garbage', [Buffer.from('HTTP/1.1 400 Bad Request\r\n')], 'bad reply: protocol id 21584'],
  ['a length longer than the answer', [withByte(good(), 5, 9)], 'bad reply: length 9, expected 7'],
  ['a length shorter than the answer', [withByte(good(), 5, 5)], 'bad reply: length 5, expected 7'],
  ['a length of 0', [withByte(good(), 5, 0)], 'bad reply: length 0'],
  ['another unit id', [withByte(good(), 6, 9)], 'bad reply: unit id 9'],
  ['an unknown function code', [withByte(good(), 7, 0x2b)], 'bad reply: function code 43'],
  ['a good reply followed by a truncated bad header', [Buffer.concat([good(), Buffer.from([0, 2, 0, 9, 0])])], undefined],
];

for (const [name, chunks, problem] of cases) {
  test(`MBAP guard: ${name}`, () => {
    const guard = createMbapGuard(1);
    let found: string | undefined;
    for (const chunk of chunks) found = guard.push(chunk);
    assert.equal(found, problem);
  });
}
