import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBackgroundRequest } from '../../lib/auth/background.ts';
import { isBackgroundAt, userRequestWindowMs } from '../../lib/client/user-input.ts';

test('isBackgroundRequest: marked by our client, router prefetches, speculative loads, event streams', () => {
  const table: [headers: Record<string, string | string[] | undefined>, want: boolean][] = [
    [{}, false],
    [{ accept: 'application/json' }, false],
    [{ 'x-linewatch-background': '1' }, true],
    [{ 'x-linewatch-background': '0' }, false],
    [{ 'x-linewatch-background': ['1', '0'] }, true],
    [{ 'next-router-prefetch': '1', rsc: '1' }, true],
    [{ rsc: '1' }, false],
    [{ 'sec-purpose': 'prefetch' }, true],
    [{ 'sec-purpose': 'prefetch;prerender' }, true],
    [{ purpose: 'prefetch' }, true],
    [{ accept: 'text/event-stream' }, true],
    [{ accept: 'text/html,application/xhtml+xml' }, false],
  ];
  for (const [headers, want] of table) assert.equal(isBackgroundRequest(headers), want, JSON.stringify(headers));
});

test('isBackgroundAt: the user’s request within the window after their last input, the page’s own after it', () => {
  assert.equal(isBackgroundAt(5000, 0), false, 'just after the load');
  assert.equal(isBackgroundAt(userRequestWindowMs, 0), false);
  assert.equal(isBackgroundAt(userRequestWindowMs + 1, 0), true, 'a refresh a while after the last input');
  assert.equal(isBackgroundAt(70_000, 65_000), false, 'a click just before');
  assert.equal(isBackgroundAt(70_000, 65_000, 1000), true);
});
