import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { json, route } from '../../lib/api/respond.ts';
import { principalHeader } from '../../lib/auth/principal.ts';
import type { Role } from '../../server/storage/store.ts';

const as = (role: Role) => ({ [principalHeader]: JSON.stringify({ userId: 1, username: role, role, session: 's' }), 'content-type': 'application/json' });
const params = (p: Record<string, string> = {}) => ({ params: Promise.resolve(p) });

async function call(handler: ReturnType<typeof route>, url: string, init: RequestInit & { ctx?: ReturnType<typeof params> } = {}) {
  const res = await handler(new Request(`http://x${url}`, init), init.ctx ?? params());
  return { status: res.status, body: await res.json() };
}

test('the access rule is checked again in the handler: 401 without a principal, 403 below the role', async () => {
  let ran = 0;
  const handler = route({}, () => (ran++, json({ ok: true })));
  assert.equal((await call(handler, '/api/users')).status, 401);
  assert.equal((await call(handler, '/api/users', { headers: as('operator') })).status, 403);
  assert.equal((await call(handler, '/api/users', { headers: as('admin') })).status, 200);
  assert.equal((await call(handler, '/api/unknown', { headers: as('admin') })).status, 404, 'no rule, no call');
  assert.equal(ran, 1);
});

test('no query, params or body unless declared: each refused with a 400 naming it', async () => {
  const handler = route({}, () => json({ ok: true }));
  const viewer = as('viewer');
  assert.deepEqual((await call(handler, '/api/lines?x=1', { headers: viewer })).body.error.field, 'x');
  assert.equal((await call(handler, '/api/lines', { headers: viewer, ctx: params({ id: '1' }) })).body.error.field, 'id');
  const withBody = await call(handler, '/api/auth/logout', { method: 'POST', headers: viewer, body: '{}' });
  assert.deepEqual([withBody.status, withBody.body.error.field], [400, 'body']);
  assert.equal((await call(handler, '/api/auth/logout', { method: 'POST', headers: viewer, body: '' })).status, 200, 'an empty body is no body');
});

test('declared parts are parsed; a repeated query field is refused', async () => {
  const handler = route(
    {
      query: z.strictObject({ limit: z.coerce.number().int() }),
      params: z.strictObject({ id: z.coerce.number() }),
      body: z.strictObject({ scenario: z.string() }),
    },
    (_req, input) => json({ query: input.query, params: input.params, body: input.body }),
  );
  const op = as('operator');
  const ok = await call(handler, '/api/lines/3/simulation?limit=5', { method: 'POST', headers: op, body: '{"scenario":"jam"}', ctx: params({ id: '3' }) });
  assert.deepEqual(ok, { status: 200, body: { query: { limit: 5 }, params: { id: 3 }, body: { scenario: 'jam' } } });
  const twice = await call(handler, '/api/lines/3/simulation?limit=5&limit=6', {
    method: 'POST',
    headers: op,
    body: '{"scenario":"jam"}',
    ctx: params({ id: '3' }),
  });
  assert.deepEqual([twice.status, twice.body.error.field], [400, 'limit']);
  const extra = await call(handler, '/api/lines/3/simulation?limit=5', {
    method: 'POST',
    headers: op,
    body: '{"scenario":"jam","x":1}',
    ctx: params({ id: '3' }),
  });
  assert.deepEqual([extra.status, extra.body.error.field], [400, 'x']);
});
