import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLineTail } from '../../server/supervisor/line-tail.ts';

test('joins lines split across chunks, per stream, and drops CR', () => {
  const tail = createLineTail(10);
  tail.push('stdout', 'hel');
  tail.push('stderr', 'oops\r\nwa');
  tail.push('stdout', 'lo\nwor');
  tail.push('stdout', 'ld\n');
  assert.deepEqual(tail.lines(), ['oops', 'hello', 'world']);
  tail.flush('stderr');
  tail.flush('stdout');
  assert.deepEqual(tail.lines(), ['oops', 'hello', 'world', 'wa']);
});

test('keeps only the last N lines, oldest first', () => {
  const tail = createLineTail(3);
  tail.push('stdout', Array.from({ length: 7 }, (_, i) => `l${i + 1}\n`).join(''));
  assert.deepEqual(tail.lines(), ['l5', 'l6', 'l7']);
  tail.note('[supervisor] x');
  assert.deepEqual(tail.lines(), ['l6', 'l7', '[supervisor] x']);
});

test('cuts a line that never ends', () => {
  const tail = createLineTail(5, 4);
  tail.push('stdout', 'abcdefghij');
  assert.deepEqual(tail.lines(), ['abcd', 'efgh']);
  tail.flush('stdout');
  assert.deepEqual(tail.lines(), ['abcd', 'efgh', 'ij']);
});

test('size 0 keeps nothing', () => {
  const tail = createLineTail(0);
  tail.push('stdout', 'a\nb\n');
  assert.deepEqual(tail.lines(), []);
});
