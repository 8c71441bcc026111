import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorize, findRule, isApiPath, isPublicAsset, roleAtLeast } from '../../lib/auth/access-rules.ts';

test('rules match Next-style route folders, one segment per [param]', () => {
  assert.equal(findRule('POST', '/api/lines/filling/simulation')?.access, 'operator');
  assert.equal(findRule('POST', '/api/lines/a/b/simulation'), undefined);
  assert.equal(findRule('HEAD', '/api/lines')?.access, 'viewer', 'HEAD follows GET');
  assert.equal(findRule('PUT', '/api/lines'), undefined);
  assert.equal(findRule('GET', '/api/health')?.access, 'public');
  assert.equal(findRule('GET', '/api/users')?.access, 'admin');
});

test('api paths and public assets', () => {
  assert.ok(isApiPath('/api/x') && isApiPath('/metrics') && !isApiPath('/lines/x'));
  assert.ok(isPublicAsset('/_next/static/chunk.js') && !isPublicAsset('/processes'));
});

test('authorize: 404 without a rule, 401 anonymous, 403 below the role, ok at or above it', () => {
  assert.deepEqual(authorize('GET', '/api/health', undefined), { ok: true, access: 'public' });
  const status = (method: string, path: string, role?: 'viewer' | 'operator' | 'admin') => {
    const v = authorize(method, path, role);
    return v.ok ? 200 : v.status;
  };
  assert.equal(status('GET', '/api/nope', 'admin'), 404);
  assert.equal(status('GET', '/api/users'), 401);
  assert.equal(status('GET', '/api/users', 'operator'), 403);
  assert.equal(status('GET', '/api/users', 'admin'), 200);
  assert.equal(status('POST', '/api/alarms/ack', 'viewer'), 403);
  assert.equal(status('POST', '/api/alarms/ack', 'operator'), 200);
  assert.ok(roleAtLeast('admin', 'viewer') && !roleAtLeast('viewer', 'operator'));
});
