import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { ValidationError } from '../../lib/errors.ts';
import { addressRange, guardedLookup, isLoopbackAddress, isPublicAddress, type Resolver, systemResolver } from './public-address.ts';

/** A push service's answer, as much of it as the delivery queue reads (a fetch `Response` has this shape too). */
export interface PushAnswer {
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  /** The body's first KiB, for the server's log only. */
  text(): Promise<string>;
}

/** The one HTTP call of the delivery queue: a POST that follows no redirect and stops at `signal`. */
export type PushPost = (url: string, init: { headers: Record<string, string>; body: Uint8Array | undefined; signal: AbortSignal }) => Promise<PushAnswer>;

export interface PushHttpOptions {
  /** TEST ONLY: `http://` to loopback addresses, where a test's capture server listens. Default false. */
  allowLoopbackHttp?: boolean;
  /** Name → addresses. Default the system's (`dns.lookup`). */
  resolve?: Resolver;
}

export interface PushHttp {
  post: PushPost;
  /** Closes the kept-alive connections. */
  close(): void;
}

const bodyLogBytes = 1024;

/**
 * HTTP for pushes, over node:https with connections kept alive per push service. Every
 * connection goes to a public address, checked on the addresses the socket connects to: a host
 * name through a guarded `lookup` (so DNS rebinding gains nothing), an IP literal before the
 * request. A refusal rejects with a ValidationError (field `subscription.endpoint`).
 */
export function createPushHttp(options: PushHttpOptions = {}): PushHttp {
  const resolve = options.resolve ?? systemResolver;
  const https = new HttpsAgent({ keepAlive: true, lookup: guardedLookup(isPublicAddress, resolve) });
  const http = options.allowLoopbackHttp ? new HttpAgent({ keepAlive: true, lookup: guardedLookup(isLoopbackAddress, resolve) }) : undefined;

  function refused(message: string): Promise<never> {
    return Promise.reject(new ValidationError(message, { field: 'subscription.endpoint' }));
  }

  const post: PushPost = (url, init) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && !(target.protocol === 'http:' && http)) return refused(`${target.protocol} is not allowed for a push`);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // net.connect skips `lookup` for an IP literal: check it here.
    if (isIP(host) && !(secure ? isPublicAddress(host) : isLoopbackAddress(host)))
      return refused(`${host} is a ${addressRange(host)} address, not a public one`);
    return new Promise<PushAnswer>((resolveAnswer, reject) => {
      const headers = { ...init.headers, 'content-length': String(init.body?.byteLength ?? 0) };
      const send = secure ? httpsRequest : httpRequest;
      const req = send(target, { method: 'POST', headers, agent: secure ? https : http, signal: init.signal }, (res) => resolveAnswer(answerOf(res)));
      req.on('error', reject);
      req.end(init.body);
    });
  };

  return {
    post,
    close() {
      https.destroy();
      http?.destroy();
    },
  };
}

/** The answer; its body is read to the end (so the connection can be reused) but only its first KiB kept. */
function answerOf(res: IncomingMessage): PushAnswer {
  const chunks: Buffer[] = [];
  let kept = 0;
  const body = new Promise<string>((resolve, reject) => {
    res.on('data', (chunk: Buffer) => {
      if (kept < bodyLogBytes) chunks.push(chunk);
      kept += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).subarray(0, bodyLogBytes).toString('utf8')));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new Error('the push service closed the connection mid-answer'));
    });
  });
  // Read or not, the body must not become an unhandled rejection.
  body.catch(() => undefined);
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    headers: {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: () => body,
  };
}
