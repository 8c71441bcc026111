import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ autoStartSimulations: false });
});
after(() => server?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const slowLines = () => server.logs.filter((l) => l.startsWith('warn slow request '));

test('a request slower than 1 s gets a log line with method, path, status, duration and the request id it was answered with; a fast one does not', async () => {
  await server.api('/api/health');
  assert.deepEqual(slowLines(), [], 'a fast request is not logged');

  // Slow the natural way: a client whose body arrives late (the route waits for it).
  const body = JSON.stringify({ username: 'admin', password: testPassword });
  const req = request(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  req.flushHeaders();
  await sleep(1200);
  req.end(body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.resume();
  await once(res, 'end');
  assert.equal(res.statusCode, 200);

  // Logged when the response closes, which may come just after the client saw its end.
  for (let i = 0; i < 50 && slowLines().length === 0; i++) await sleep(10);
  const [line, ...more] = slowLines();
  assert.deepEqual(more, []);
  const fields = JSON.parse(line!.slice('warn slow request '.length)) as Record<string, unknown>;
  assert.deepEqual([fields.method, fields.url, fields.status, fields.part], ['POST', '/api/auth/login', 200, 'http'], line);
  assert.ok(Number(fields.ms) >= 1100 && Number(fields.ms) < 5000, line);
  assert.equal(fields.requestId, res.headers['x-request-id'], 'the id the client got back');
});
