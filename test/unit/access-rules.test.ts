import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findRule, isApiPath, isPublicAsset } from '../../server/auth/access-rules.ts';

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
