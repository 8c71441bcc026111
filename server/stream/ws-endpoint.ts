import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BadRequest, parse, queryFields } from '../../lib/api/respond.ts';
import { readSessionToken } from '../auth/request-guard.ts';
import type { Runtime } from '../runtime.ts';
import { wsFrame } from './frames.ts';
import { streamQuery, type StreamQuery } from './stream-query.ts';

export interface WsEndpoint {
  /** Handles an HTTP upgrade if it is ours; returns false to leave it to someone else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

/** Above this many buffered bytes a client is "slow": its session queue coalesces instead. */
const maxBufferedBytes = 1 << 20;

export interface WsEndpointOptions {
  /** Interval of WebSocket pings that find dead peers. Default 30 s. */
  pingMs?: number;
  /** Interval of `heartbeat` messages. Default 15 s. */
  heartbeatMs?: number;
}

/**
 * `/api/ws`: the live stream over WebSocket, same messages as SSE as JSON
 * `{ id?, event, data }`. Query: `lastEventId`, `line`. Dead peers are found by ping/pong.
 * A socket ends with the login session it was opened in (close code 1008).
 */
export function createWsEndpoint(runtime: () => Runtime, options: WsEndpointOptions = {}): WsEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakSet<WebSocket>();

  wss.on('connection', (ws: WebSocket, req: IncomingMessage, query: StreamQuery) => {
    // The upgrade was authorised already; the principal names the login session the stream ends with.
    const principal = runtime().auth.authenticate(readSessionToken(req));
    if (!principal) {
      ws.close(1008, 'not signed in');
      return;
    }
    const session = runtime().openStream('ws', {
      lastEventId: query.lastEventId,
      line: query.line,
      loginSession: principal.session,
      heartbeatMs: options.heartbeatMs,
      // Ended from our side. A client too slow to keep up is cut at once and resumes with `lastEventId`.
      onClose(reason) {
        if (reason === 'too-slow') ws.terminate();
        else if (reason === 'session-ended') ws.close(1008, 'session ended');
      },
    });
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));

    let waiting = false;
    const pump = () => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBufferedBytes) {
        // Let the session's queue coalesce until the socket drains.
        if (!waiting) {
          waiting = true;
          setTimeout(() => {
            waiting = false;
            pump();
          }, 50).unref();
        }
        return;
      }
      for (const m of session.take()) ws.send(wsFrame(m), { binary: false });
    };
    session.onReadable(pump);
    ws.on('close', () => session.close());
    ws.on('error', () => ws.terminate());
  });

  const ping = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.pingMs ?? 30_000);
  ping.unref();

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/ws') return false;
      let query;
      try {
        query = parse(streamQuery, queryFields(url.searchParams), 'query');
      } catch (error) {
        if (!(error instanceof BadRequest)) throw error;
        // Refused before the upgrade, as a plain HTTP answer in the one error shape.
        const body = JSON.stringify({ error: { code: error.code, message: error.message, field: error.field } });
        socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req, query));
      return true;
    },
    close() {
      clearInterval(ping);
      for (const ws of wss.clients) ws.close(1001, 'server stopping');
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
