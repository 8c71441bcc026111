import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { clientIpHeader, principalHeader, secureHeader } from '../../lib/auth/principal.ts';
import { authorize, isApiPath, isPublicAsset, publicPages } from '../../lib/auth/access-rules.ts';
import type { Auth, Principal } from './auth-service.ts';
import { canonicalTarget } from '../../lib/auth/request-path.ts';
import { isBackgroundRequest } from '../../lib/auth/background.ts';
import { loginPath } from '../../lib/auth/next-path.ts';
import { sendError } from '../http/send-error.ts';

const sessionCookie = { plain: 'lw_session', secure: '__Host-lw_session' } as const;

export interface GuardOptions {
  dev: boolean;
  /** Trust `X-Forwarded-Proto`/`X-Forwarded-For` from a reverse proxy. */
  trustProxy: boolean;
}

export type GuardResult = { ok: true; principal?: Principal } | { ok: false };

/** Whether the browser talks to us over HTTPS (directly, or through a trusted proxy). */
export function isHttps(req: IncomingMessage, trustProxy: boolean): boolean {
  return Boolean((req.socket as TLSSocket).encrypted) || (trustProxy && req.headers['x-forwarded-proto'] === 'https');
}

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy
    ? String(req.headers['x-forwarded-for'] ?? '')
        .split(',')[0]
        ?.trim()
    : '';
  return forwarded || req.socket.remoteAddress || '-';
}

/**
 * The session token of a request. Over HTTPS only the `__Host-` cookie counts: a plain
 * `lw_session` can be planted by a sibling subdomain or over plain HTTP (cookie tossing) and
 * must not win over, or stand in for, the one only this origin can set. Over HTTP the plain
 * cookie is the session cookie. `https` unknown (a caller that cannot tell): the `__Host-`
 * cookie is preferred wherever it stands in the header.
 */
export function readSessionToken(req: IncomingMessage, https?: boolean): string | undefined {
  const found: Partial<Record<'plain' | 'secure', string>> = {};
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    const kind = name === sessionCookie.secure ? 'secure' : name === sessionCookie.plain ? 'plain' : undefined;
    // The first of a name counts (the browser sends the most specific path first).
    if (kind && found[kind] === undefined) found[kind] = rest.join('=');
  }
  if (https === true) return found.secure;
  if (https === false) return found.plain;
  return found.secure ?? found.plain;
}

/**
 * Same-origin check for state-changing requests and WebSocket handshakes (CSRF): a browser
 * always sends `Origin` (and `Sec-Fetch-Site`) on these; when present they must be ours.
 * Clients without them (curl, scripts) carry no ambient browser cookies to abuse.
 */
export function sameOrigin(req: IncomingMessage, https: boolean): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${https ? 'https' : 'http'}://${req.headers.host}`;
}

function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // React sets style attributes; styles cannot run code.
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `connect-src 'self'${dev ? ' ws:' : ''}`,
    `worker-src 'self'`,
    `manifest-src 'self'`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `frame-ancestors 'none'`,
    `form-action 'self'`,
  ].join('; ');
}

/** The policy of API answers (JSON, CSV downloads, the event stream): they load nothing and run nothing. */
const apiContentSecurityPolicy = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * Runs before Next on every request: security headers, session lookup, CSRF check, and the
 * access rule of the route. Refusals are answered here (401/403/404 JSON for the API, a
 * redirect to the login page for pages); accepted requests carry the principal to the route
 * handlers in internal headers.
 */
export function createRequestGuard(auth: () => Auth, options: GuardOptions) {
  return async function guard(req: IncomingMessage, res: ServerResponse): Promise<GuardResult> {
    delete req.headers[principalHeader];
    delete req.headers[clientIpHeader];
    delete req.headers[secureHeader];
    const https = isHttps(req, options.trustProxy);

    const target = canonicalTarget(req.url ?? '/');
    const api = !target.ok || isApiPath(target.path);
    if (api) {
      // JSON and files: nothing in them may run or be framed, so no nonce to make.
      res.setHeader('content-security-policy', apiContentSecurityPolicy);
    } else {
      const csp = contentSecurityPolicy(randomBytes(16).toString('base64'), options.dev);
      // Next reads the nonce from the request's CSP header and puts it on its own scripts.
      req.headers['content-security-policy'] = csp;
      res.setHeader('content-security-policy', csp);
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'same-origin');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    if (https) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');

    if (!target.ok) {
      sendError(res, 400, 'LW_BAD_PATH', target.problem, 'path');
      return { ok: false };
    }
    // Next parses the query into a plain object, where this name sets the prototype and
    // vanishes before a route can refuse it: refuse it here, as any unknown field is.
    if (new URLSearchParams(target.search).has('__proto__')) {
      sendError(res, 400, 'LW_VALIDATION', 'query field "__proto__" is not a field of this route', '__proto__');
      return { ok: false };
    }
    // Everything after the guard (the SSE endpoint, Next) serves the path that was checked.
    const { path } = target;
    req.url = path + target.search;

    // Next's image optimizer: unused (no next/image), and it writes a cache file per request.
    if (path.startsWith('/_next/image')) {
      sendError(res, 404, 'LW_NOT_FOUND', 'the image optimizer is not served');
      return { ok: false };
    }
    if (isPublicAsset(path)) return { ok: true };

    const method = req.method ?? 'GET';
    const safe = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
    if (!safe && !sameOrigin(req, https)) {
      sendError(res, 403, 'LW_CSRF', 'cross-site request refused');
      return { ok: false };
    }

    const ip = clientAddress(req, options.trustProxy);
    // Polling and prefetches do not extend the session: only the user's own requests do.
    const principal = await auth().authenticate(readSessionToken(req, https), Date.now(), isBackgroundRequest(req.headers) ? 'background' : 'user');
    req.headers[clientIpHeader] = ip;
    if (https) req.headers[secureHeader] = '1';
    if (principal) req.headers[principalHeader] = JSON.stringify(principal);

    if (api) {
      const verdict = authorize(method, path, principal?.role);
      if (!verdict.ok) {
        sendError(res, verdict.status, verdict.code, verdict.message);
        return { ok: false };
      }
      return { ok: true, principal };
    }

    if (!safe) {
      sendError(res, 405, 'LW_METHOD', `${method} is not allowed on pages`);
      return { ok: false };
    }
    if (!principal && !publicPages.includes(path)) {
      res.writeHead(303, { location: loginPath(path + target.search), 'cache-control': 'no-store' }).end();
      return { ok: false };
    }
    return { ok: true, principal };
  };
}
