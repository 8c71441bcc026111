import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginPath, safeNextPath } from '../../lib/auth/next-path.ts';

const origin = 'https://linewatch.example';

/** `next` as the login page's URLSearchParams hands it over (decoded) → where the browser may go. */
const table: [next: string | null, want: string][] = [
  [null, '/'],
  ['', '/'],
  ['/', '/'],
  ['/alarms', '/alarms'],
  ['/history?tags=a.b,c.d&from=2024-01-01T00:00:00.000Z', '/history?tags=a.b,c.d&from=2024-01-01T00:00:00.000Z'],
  ['/lines/filling#tags', '/lines/filling#tags'],
  ['alarms', '/alarms'],
  [`${origin}/alarms`, '/alarms'],
  // Off-site, however it is spelt: browsers drop tabs and newlines and read `\` as `/`.
  ['//evil.example/path', '/'],
  ['/\\evil.example/path', '/'],
  ['\\\\evil.example', '/'],
  ['/\t/evil.example/path', '/'],
  ['/\n/evil.example/path', '/'],
  ['/\r\n/evil.example', '/'],
  ['/\t\\evil.example/path', '/'],
  ['\t//evil.example', '/'],
  [' //evil.example', '/'],
  ['https://evil.example/', '/'],
  ['http://linewatch.example/alarms', '/'],
  ['http:evil.example', '/'],
  // Same scheme without slashes is a relative path to the parser (and the browser).
  ['https:evil.example', '/evil.example'],
  ['//linewatch.example@evil.example/', '/'],
  ['javascript:alert(1)', '/'],
  ['data:text/html,<script>alert(1)</script>', '/'],
  // Same origin by the parser, yet `//…` as a path alone: another host for location.assign.
  ['/.//evil.example', '/'],
  ['/x/..//evil.example', '/'],
  ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ['/%09/evil.example', '/%09/evil.example'],
];

test('safeNextPath: same-origin paths only, read as the browser reads them', () => {
  for (const [next, want] of table) {
    const got = safeNextPath(next, origin);
    assert.equal(got, want, JSON.stringify(next));
    // Whatever it returns stays on this origin when the browser follows it.
    assert.equal(new URL(got, origin).origin, origin, JSON.stringify(next));
  }
});

test('loginPath: the server’s redirects to the login page carry only a safe path', () => {
  assert.equal(loginPath('/processes?x=1'), '/login?next=%2Fprocesses%3Fx%3D1');
  assert.equal(loginPath('//evil.example/x'), '/login?next=%2F');
  assert.equal(safeNextPath('/alarms'), '/alarms', 'without an origin: paths only');
  assert.equal(safeNextPath('https://linewatch.example/alarms'), '/');
});
