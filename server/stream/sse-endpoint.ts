import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse, queryFields } from '../../lib/api/respond.ts';
import type { Principal } from '../auth/auth-service.ts';
import { sendFailure } from '../http/send-error.ts';
import type { Runtime } from '../runtime.ts';
import { sseBatch, sseRetryFrame } from './frames.ts';
import { streamQuery } from './stream-query.ts';

export interface SseEndpoint {
  /**
   * Serves `GET /api/stream` (after the request guard let it through, with the `principal` it
   * found: the stream ends with that login session); false leaves the request to others.
   */
  handle(req: IncomingMessage, res: ServerResponse, principal?: Principal): boolean;
  /** Ends every open stream (they never end by themselves). */
  close(): void;
}

export interface SseEndpointOptions {
  /** How long a browser waits before reconnecting a dropped stream (the `retry:` line). Default 2 s. */
  retryMs?: number;
  /** Interval of `heartbeat` events, by which clients tell a live stream from a dead one. Default 15 s. */
  heartbeatMs?: number;
}

/**
 * `GET /api/stream`: the live stream as Server-Sent Events. A snapshot first (or the replay
 * after `Last-Event-ID` / `?lastEventId=`), then `sample`, `line`, `process`, `alarm`, `job`
 * events with ids, and a `heartbeat` every 15 s; `?line=ID` keeps one line. The stream ends
 * with the login session it was opened in.
 *
 * Served by the custom server, not a Next route handler: every event goes to every client,
 * so the fan-out writes the same pre-encoded bytes straight to each socket (frames.ts) instead
 * of passing every event through a web stream per client. A client that stops reading is left alone until its
 * socket drains; meanwhile its session queue folds samples to the latest value per tag, and
 * if other events pile up past its bound the stream is cut (the client resumes).
 */
export function createSseEndpoint(runtime: () => Runtime, log: (message: string) => void, options: SseEndpointOptions = {}): SseEndpoint {
  const open = new Set<ServerResponse>();

  function start(req: IncomingMessage, res: ServerResponse, url: URL, principal: Principal | undefined): void {
    const q = parse(streamQuery, queryFields(url.searchParams), 'query');
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : q.lastEventId;

    // No chunked encoding: the stream ends only with its connection, so the body is simply
    // delimited by the close, and each write is the shared bytes as they are (one syscall).
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write(sseRetryFrame(options.retryMs ?? 2000));
    const session = runtime().openStream('sse', {
      lastEventId,
      line: q.line,
      loginSession: principal?.session,
      heartbeatMs: options.heartbeatMs,
      // Ended from our side. A client too slow to keep up loses what is still unsent, not
      // what it parsed: it resumes after the last id it has (the browser sends Last-Event-ID).
      onClose(reason) {
        if (reason === 'too-slow') res.destroy();
        // Logged out: the browser's reconnect is refused (401) until it signs in again.
        else if (reason === 'session-ended') res.end();
      },
    });
    open.add(res);

    let draining = false;
    const pump = () => {
      if (draining || res.writableEnded || res.destroyed) return;
      const messages = session.take();
      if (messages.length === 0) return;
      res.write(sseBatch(messages));
      if (res.writableNeedDrain) {
        draining = true;
        res.once('drain', () => {
          draining = false;
          pump();
        });
      }
    };
    session.onReadable(pump);
    res.on('close', () => {
      open.delete(res);
      session.close();
    });
  }

  return {
    handle(req, res, principal) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/stream' || req.method !== 'GET') return false;
      try {
        start(req, res, url, principal);
      } catch (error) {
        sendFailure(res, error, log, `stream ${req.url}`);
      }
      return true;
    },
    close() {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
