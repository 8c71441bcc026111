import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHead } from './live-messages.ts';

/**
 * The request and its response for a socket handed over after its request was read (by the
 * server, in another process): what code written for an HTTP server's `(req, res)` needs.
 * There is no HTTP server here: the response ends the socket when it finishes, and a reset
 * socket is simply destroyed (its close closes the response).
 */
export function responseOn(
  socket: Socket,
  head: RequestHead,
  headers: Record<string, number | string | string[] | undefined>,
): { req: IncomingMessage; res: ServerResponse } {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  const req = requestOn(socket, head);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
  res.on('finish', () => socket.end());
  return { req, res };
}

/** The request alone, e.g. for a WebSocket upgrade (the ws library answers on the socket itself). */
export function requestOn(socket: Socket, head: RequestHead): IncomingMessage {
  const req = new IncomingMessage(socket);
  Object.assign(req, { method: head.method, url: head.url, headers: head.headers, httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1' });
  return req;
}
