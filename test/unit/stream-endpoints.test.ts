import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import type { Snapshot } from '../../lib/types.ts';
import { createHub } from '../../server/hub/hub.ts';
import type { Runtime } from '../../server/runtime.ts';
import { createSseEndpoint } from '../../server/stream/sse-endpoint.ts';
import { openStreamSession } from '../../server/stream/stream-session.ts';
import { createWsEndpoint } from '../../server/stream/ws-endpoint.ts';

// The endpoints on a real HTTP server with a real hub and stream sessions: only the part of
// the runtime they use (openStream, and authenticate for the WebSocket's login session).
const hub = createHub({ firstId: 1 });
const snapshot = (): Snapshot => ({ id: hub.lastId(), lines: [], values: [], processes: [], alarms: [] });
const runtime = {
  openStream: ((_transport, options) => openStreamSession(hub, snapshot, options)) satisfies Runtime['openStream'],
  auth: { authenticate: () => ({ userId: 1, username: 'test', role: 'viewer', session: 'test-session' }) },
} as unknown as Runtime;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('SSE: the stream opens with a retry line, then the snapshot, then a heartbeat every heartbeatMs', async (t) => {
  const sse = createSseEndpoint(() => runtime, () => {}, { heartbeatMs: 50, retryMs: 1234 });
  const server = createServer((req, res) => sse.handle(req, res) || res.writeHead(404).end());
  const host = await listen(server);
  t.after(() => {
    sse.close();
    server.close();
  });

  const res = await fetch(`http://${host}/api/stream`);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const t0 = Date.now();
  while ((text.match(/event: heartbeat\n/g) ?? []).length < 3) text += decoder.decode((await reader.read()).value, { stream: true });
  const elapsed = Date.now() - t0;
  await reader.cancel().catch(() => {});

  const blocks = text.split('\n\n');
  assert.equal(blocks[0], 'retry: 1234', 'retry first, so even a stream dropped at once reconnects at that pace');
  assert.match(blocks[1]!, /^id: \d+\nevent: snapshot\n/);
  const heartbeats = blocks.filter((b) => b.startsWith('event: heartbeat\n'));
  assert.equal(heartbeats.length, 3);
  for (const b of heartbeats) {
    const data = JSON.parse(b.split('\ndata: ')[1]!) as { ts: number; lastId: number };
    assert.ok(Math.abs(data.ts - Date.now()) < 5000 && data.lastId === hub.lastId(), b);
  }
  assert.ok(elapsed >= 100 && elapsed < 2000, `3 heartbeats at 50 ms took ${elapsed} ms`);
});

test('WebSocket: heartbeats every heartbeatMs', async (t) => {
  const wsEndpoint = createWsEndpoint(() => runtime, { heartbeatMs: 50 });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => wsEndpoint.handleUpgrade(req, socket, head) || socket.destroy());
  const host = await listen(server);
  t.after(async () => {
    await wsEndpoint.close();
    server.close();
  });

  const ws = new WebSocket(`ws://${host}/api/ws`);
  const events = await new Promise<string[]>((resolve, reject) => {
    const seen: string[] = [];
    ws.on('message', (raw) => {
      seen.push((JSON.parse(String(raw)) as { event: string }).event);
      if (seen.filter((e) => e === 'heartbeat').length === 2) resolve(seen);
    });
    ws.on('error', reject);
  });
  ws.close();
  assert.deepEqual(events, ['snapshot', 'heartbeat', 'heartbeat']);
});
