import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dummyHash, hashPassword, verifyPassword } from '../../server/auth/passwords.ts';

test('scrypt hashes verify, are salted, and reject wrong passwords', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(a, b, 'salted');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterx', a), false);
  assert.equal(await verifyPassword('anything', dummyHash), false);
  assert.equal(await verifyPassword('anything', 'md5$abc'), false);
});
