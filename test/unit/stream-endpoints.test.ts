import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import type { Snapshot } from '../../lib/types.ts';
import { createHub } from '../../server/hub/hub.ts';
import type { Principal } from '../../server/auth/auth-service.ts';
import { responseOn } from '../../server/live/handed-over-response.ts';
import { createSseEndpoint, isSseRequest } from '../../server/stream/sse-endpoint.ts';
import { openStreamSession, type OpenStream } from '../../server/stream/stream-session.ts';
import { checkWsUpgrade, createWsStreams } from '../../server/stream/ws-endpoint.ts';

// The endpoints on a real HTTP server with a real hub and stream sessions (in the app, the
// live process's), and the server's checks of a WebSocket upgrade with a signed-in viewer.
const hub = createHub();
const snapshot = (): Snapshot => ({ id: hub.lastId(), lines: [], values: [], processes: [], alarms: [] });
const openStream: OpenStream = (_transport, options) => openStreamSession(hub, snapshot, options);
const viewer: Principal = { userId: 1, username: 'test', role: 'viewer', session: 'test-session' };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('SSE: the stream opens with a retry line, then the snapshot, then a heartbeat every heartbeatMs', async (t) => {
  const sse = createSseEndpoint(openStream, { heartbeatMs: 50, retryMs: 1234 });
  const server = createServer((req, res) => (isSseRequest(req) ? sse.start(req, res, {}) : res.writeHead(404).end()));
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
  while ((text.match(/event: heartbeat\n/g) ?? []).length < 3) text += decoder.decode((await reader.read()).value, { stream: true });
  await reader.cancel().catch(() => {});

  const blocks = text.split('\n\n');
  assert.equal(blocks[0], 'retry: 1234', 'retry first, so even a stream dropped at once reconnects at that pace');
  assert.match(blocks[1]!, /^id: \d+-\d+\nevent: snapshot\n/);
  const heartbeats = blocks.filter((b) => b.startsWith('event: heartbeat\n'));
  assert.equal(heartbeats.length, 3);
  const stamps = heartbeats.map((b) => {
    const data = JSON.parse(b.split('\ndata: ')[1]!) as { ts: number; lastId: string };
    assert.ok(Math.abs(data.ts - Date.now()) < 5000 && data.lastId === hub.lastId(), b);
    return data.ts;
  });
  // Paced by the server's own stamps, not by when they reached this client (which a loaded
  // machine may delay or bunch up). A timer may fire a ms early by Date.now(): hence the slack.
  assert.ok(stamps[2]! - stamps[0]! >= 2 * 50 - 10, `3 heartbeats at 50 ms, stamped ${stamps.join(', ')}`);
});

test('SSE on a handed-over socket (no HTTP server, as in the live process): headers kept, an event past the socket buffer, then more', {
  timeout: 10_000,
}, async (t) => {
  const sse = createSseEndpoint(openStream, { retryMs: 1000 });
  // A plain TCP server: the request is not parsed here, as the live process gets it read.
  const server = createTcpServer((socket) => {
    const { req, res } = responseOn(socket, { method: 'GET', url: '/api/stream', headers: {} }, { 'x-frame-options': 'DENY' });
    sse.start(req, res, {});
  });
  const host = await listen(server as unknown as Server);
  t.after(() => {
    sse.close();
    server.close();
  });

  const res = await fetch(`http://${host}/api/stream`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', "the server's security headers");
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const read = async (until: RegExp) => {
    while (!until.test(text)) text += decoder.decode((await reader.read()).value, { stream: true });
  };
  await read(/event: snapshot\n/);
  // Past the socket's 16 KiB mark: the next write waits for the socket's drain.
  hub.publish('line', { id: 'big', state: 'running', lastSampleAt: null, note: 'x'.repeat(64 * 1024) } as never);
  await read(/"id":"big"/);
  hub.publish('line', { id: 'after-the-big-one', state: 'running', lastSampleAt: null });
  await read(/after-the-big-one/);
  await reader.cancel().catch(() => {});
});

test('WebSocket: heartbeats every heartbeatMs', async (t) => {
  const wsEndpoint = createWsStreams(openStream, { heartbeatMs: 50 });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', async (req, socket, head) => {
    const upgrade = await checkWsUpgrade(req, socket, async () => viewer, false);
    if (upgrade) wsEndpoint.accept(req, socket, head, upgrade.query, { loginSession: upgrade.principal.session });
    else if (upgrade === false) socket.destroy();
  });
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
