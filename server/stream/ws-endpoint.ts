import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiError, parse, queryFields } from '../../lib/api/respond.ts';
import { authorize } from '../../lib/auth/access-rules.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { Principal } from '../auth/auth-service.ts';
import { isHttps, readSessionToken, sameOrigin } from '../auth/request-guard.ts';
import { createTokenBucket } from '../util/token-bucket.ts';
import { wsFrame } from './frames.ts';
import type { OpenStream, StreamHandover } from './stream-session.ts';
import { streamQuery, type StreamQuery } from './stream-query.ts';

export interface WsStreams {
  /** Completes an upgrade `checkWsUpgrade` let through and streams to the socket. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, query: StreamQuery, handover: StreamHandover): void;
  close(): Promise<void>;
}

/** Above this many buffered bytes a client is "slow": its session queue coalesces instead. */
const maxBufferedBytes = 1 << 20;

/**
 * Control frames (pings, pongs) a client may send: a burst, refilled one per interval. Ours
 * need one pong per ping interval; past the budget the socket is cut, so parsing what a
 * client sends stays bounded on the live process's (possibly real-time) thread.
 */
const controlBurst = 10;
const controlRefillMs = 1000;

export interface WsStreamsOptions {
  /** Interval of WebSocket pings that find dead peers. Default 30 s. */
  pingMs?: number;
  /** Interval of `heartbeat` messages. Default 15 s. */
  heartbeatMs?: number;
}

/** Answers an upgrade request with a plain HTTP refusal (and the one error shape, if any) and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, error?: { code: string; message: string; field?: string }): undefined {
  const body = error ? JSON.stringify(apiError(error.code, error.message, error.field)) : '';
  const type = error ? 'content-type: application/json\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n${type}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * The checks of an `/api/ws` upgrade, made by the server before it hands the socket to the
 * live process: same origin (browsers don't apply CORS to WebSockets), a session whose role
 * may read the stream, a valid query. Returns false when the upgrade is not for `/api/ws`,
 * `undefined` when it was refused (answered here), else what the stream needs.
 */
export async function checkWsUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  authenticate: (token: string | undefined) => Promise<Principal | undefined>,
  trustProxy: boolean,
): Promise<false | undefined | { query: StreamQuery; principal: Principal }> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/api/ws') return false;
  const https = isHttps(req, trustProxy);
  if (!sameOrigin(req, https)) return refuseUpgrade(socket, 403);
  // Authenticated once: the principal also names the login session the stream ends with.
  const principal = await authenticate(readSessionToken(req, https));
  const verdict = authorize('GET', url.pathname, principal?.role);
  if (!verdict.ok || !principal) return refuseUpgrade(socket, verdict.ok ? 401 : verdict.status);
  try {
    return { query: parse(streamQuery, queryFields(url.searchParams), 'query'), principal };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return refuseUpgrade(socket, 400, { code: error.code, message: error.message, field: error.field });
  }
}

/**
 * `/api/ws`: the live stream over WebSocket, same messages as SSE as JSON
 * `{ id?, event, data }`. Query: `lastEventId`, `line`. Dead peers are found by ping/pong; a
 * client's own control frames are budgeted (10, one more a second). A socket ends with the
 * login session it was opened in (close code 1008).
 */
export function createWsStreams(openStream: OpenStream, options: WsStreamsOptions = {}): WsStreams {
  // The stream goes one way: a client has nothing to say past pings (ws closes with 1009 above this).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const alive = new WeakSet<WebSocket>();

  wss.on('connection', (ws: WebSocket, _req: IncomingMessage, query: StreamQuery, handover: StreamHandover) => {
    const session = openStream('ws', {
      lastEventId: query.lastEventId,
      line: query.line,
      ...handover,
      heartbeatMs: options.heartbeatMs,
      // Ended from our side. A client too slow to keep up is cut at once and resumes with `lastEventId`.
      onClose(reason) {
        if (reason === 'too-slow') ws.terminate();
        else if (reason === 'session-ended') ws.close(1008, 'session ended');
        // Events were lost (a bus outage): reconnect with `lastEventId` for a snapshot (1012: service restart).
        else if (reason === 'resync') ws.close(1012, 'resync');
      },
    });
    alive.add(ws);
    // Nothing to read: a client that sends data is closed at once (policy violation), and one
    // that sends control frames past its budget is cut, so a flood costs a few frames'
    // parsing, not a CPU core.
    ws.on('message', () => ws.close(1008, 'this stream takes no messages'));
    const budget = createTokenBucket(controlBurst, controlRefillMs, Date.now());
    const control = () => {
      if (!budget.take(Date.now())) ws.terminate();
    };
    ws.on('ping', control);
    ws.on('pong', () => {
      alive.add(ws);
      control();
    });

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
    accept(req, socket, head, query, handover) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req, query, handover));
    },
    close() {
      clearInterval(ping);
      for (const ws of wss.clients) ws.close(1001, 'server stopping');
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
