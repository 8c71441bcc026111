import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalTarget } from '../../lib/auth/request-path.ts';

test('escapes are decoded once into the path that gets checked and served', () => {
  const cases: [string, string, string][] = [
    ['/api/users', '/api/users', ''],
    ['/%61pi/%75sers?x=%2F', '/api/users', '?x=%2F'],
    ['/', '/', ''],
    ['/processes/', '/processes/', ''],
    ['/lines/a%20b', '/lines/a%20b', ''],
    ['/lines/caf%C3%A9', '/lines/caf%C3%A9', ''],
    ['/_next/static/chunks/[root]__x.js', '/_next/static/chunks/[root]__x.js', ''],
  ];
  for (const [target, path, search] of cases) assert.deepEqual(canonicalTarget(target), { ok: true, path, search }, target);
});

test('targets whose meaning depends on the parser are refused', () => {
  const refused: [string, RegExp][] = [
    ['//api/users', /empty segment/],
    ['/api//users', /empty segment/],
    ['/\\api/users', /backslash/],
    ['/api\\users', /backslash/],
    ['/api%2Fusers', /encoded slash/],
    ['/api%5Cusers', /encoded slash/],
    ['/x/../api/ws', /dot segment/],
    ['/api/./ws', /dot segment/],
    ['/x/%2e%2e/api/users', /dot segment/],
    ['/api/ws#', /fragment/],
    ['/%2561pi/users', /encoded twice/],
    ['/api/%zz', /malformed/],
    ['/api/%C3', /malformed/],
    ['/api/a%00b', /control character/],
    ['http://host/api/users', /must be a path/],
    ['*', /must be a path/],
  ];
  for (const [target, problem] of refused) {
    const out = canonicalTarget(target);
    assert.ok(!out.ok && problem.test(out.problem), `${target}: ${JSON.stringify(out)}`);
  }
});
