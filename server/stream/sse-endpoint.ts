import type { IncomingMessage, ServerResponse } from 'node:http';
import { isEventId } from '../bus/event-id.ts';
import { sseBatch, sseRetryFrame } from './frames.ts';
import type { StreamQuery } from './stream-query.ts';
import type { OpenStream, StreamHandover } from './stream-session.ts';

export interface SseEndpoint {
  /**
   * Serves a `GET /api/stream` the request guard let through, with its parsed query; the
   * stream ends with `handover.loginSession`, the one it was opened in.
   */
  start(req: IncomingMessage, res: ServerResponse, query: StreamQuery, handover?: StreamHandover): void;
  /** Ends every open stream (they never end by themselves). */
  close(): void;
}

/** Whether a request is for the SSE stream (then its query is `streamQuery`). */
export const isSseRequest = (req: IncomingMessage): boolean => req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === '/api/stream';

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
 * Served in the live process (the server hands it the socket), not by a Next route handler:
 * every event goes to every client, so the fan-out writes the same pre-encoded bytes straight
 * to each socket (frames.ts) instead of passing every event through a web stream per client. A client that stops reading is left alone until its
 * socket drains; meanwhile its session queue folds samples to the latest value per tag, and
 * if other events pile up past its bound the stream is cut (the client resumes).
 */
export function createSseEndpoint(openStream: OpenStream, options: SseEndpointOptions = {}): SseEndpoint {
  const open = new Set<ServerResponse>();

  function start(req: IncomingMessage, res: ServerResponse, q: StreamQuery, handover: StreamHandover = {}): void {
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && isEventId(header) ? header : q.lastEventId;

    // No chunked encoding: the stream ends only with its connection, so the body is simply
    // delimited by the close, and each write is the shared bytes as they are (one syscall).
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write(sseRetryFrame(options.retryMs ?? 2000));
    const session = openStream('sse', {
      lastEventId,
      line: q.line,
      ...handover,
      heartbeatMs: options.heartbeatMs,
      // Ended from our side. A client too slow to keep up loses what is still unsent, not
      // what it parsed: it resumes after the last id it has (the browser sends Last-Event-ID).
      onClose(reason) {
        if (reason === 'too-slow') res.destroy();
        // Logged out: the browser's reconnect is refused (401) until it signs in again.
        else if (reason === 'session-ended') res.end();
        // Events were lost (a bus outage): the browser reconnects with its Last-Event-ID and gets a snapshot.
        else if (reason === 'resync') res.end();
      },
    });
    open.add(res);

    // Backpressure is read on the socket, which each write reaches as it is: in the live
    // process the response has no HTTP server, and it is the server that passes a socket's
    // drain on to its response.
    const socket = res.socket!;
    let draining = false;
    const pump = () => {
      if (draining || res.writableEnded || res.destroyed) return;
      const messages = session.take();
      if (messages.length === 0) return;
      res.write(sseBatch(messages));
      if (socket.writableNeedDrain) {
        draining = true;
        socket.once('drain', () => {
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
    start,
    close() {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
