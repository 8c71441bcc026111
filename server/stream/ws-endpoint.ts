import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiError, BadRequest, parse, queryFields } from '../../lib/api/respond.ts';
import { authorize } from '../auth/access-rules.ts';
import type { Principal } from '../auth/auth-service.ts';
import { isHttps, readSessionToken, sameOrigin } from '../auth/request-guard.ts';
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
  /** Trust `X-Forwarded-Proto` when telling the page's origin (behind a TLS proxy). */
  trustProxy?: boolean;
}

/** Answers an upgrade request with a plain HTTP refusal (and the one error shape, if any) and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, error?: { code: string; message: string; field?: string }): void {
  const body = error ? JSON.stringify(apiError(error.code, error.message, error.field)) : '';
  const type = error ? 'content-type: application/json\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n${type}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * `/api/ws`: the live stream over WebSocket, same messages as SSE as JSON
 * `{ id?, event, data }`. Query: `lastEventId`, `line`. Dead peers are found by ping/pong.
 * The handshake is checked here, before the upgrade: same origin (browsers don't apply CORS
 * to WebSockets), a session whose role may read the stream, a valid query. A socket ends with
 * the login session it was opened in (close code 1008).
 */
export function createWsEndpoint(runtime: () => Runtime, options: WsEndpointOptions = {}): WsEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakSet<WebSocket>();

  wss.on('connection', (ws: WebSocket, _req: IncomingMessage, query: StreamQuery, principal: Principal) => {
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
      if (!sameOrigin(req, isHttps(req, options.trustProxy ?? false))) {
        refuseUpgrade(socket, 403);
        return true;
      }
      // Authenticated once: the principal also names the login session the stream ends with.
      const principal = runtime().auth.authenticate(readSessionToken(req));
      const verdict = authorize('GET', url.pathname, principal?.role);
      if (!verdict.ok || !principal) {
        refuseUpgrade(socket, verdict.ok ? 401 : verdict.status);
        return true;
      }
      let query: StreamQuery;
      try {
        query = parse(streamQuery, queryFields(url.searchParams), 'query');
      } catch (error) {
        if (!(error instanceof BadRequest)) throw error;
        refuseUpgrade(socket, 400, { code: error.code, message: error.message, field: error.field });
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req, query, principal));
      return true;
    },
    close() {
      clearInterval(ping);
      for (const ws of wss.clients) ws.close(1001, 'server stopping');
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
