import type { Role } from './access-rules.ts';

/** Who is signed in, as the custom server found it for a request. */
export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** SHA-256 of the session token (identifies the session without revealing it). */
  session: string;
}

/**
 * The custom server authenticates every request before Next sees it and passes the result
 * in internal headers (which it strips from incoming requests, so they cannot be forged).
 */
export const principalHeader = 'x-linewatch-principal';
export const clientIpHeader = 'x-linewatch-client-ip';
/** Set when the browser reached us over HTTPS: cookies get `Secure` and the `__Host-` prefix. */
export const secureHeader = 'x-linewatch-secure';

export function principalOf(req: Request): Principal {
  const raw = req.headers.get(principalHeader);
  if (!raw) throw Object.assign(new Error('not signed in'), { code: 'LW_UNAUTHENTICATED', status: 401 });
  return JSON.parse(raw) as Principal;
}

export function maybePrincipal(headers: Headers): Principal | undefined {
  const raw = headers.get(principalHeader);
  return raw ? (JSON.parse(raw) as Principal) : undefined;
}

export function clientIp(req: Request): string {
  return req.headers.get(clientIpHeader) ?? '-';
}

/** Who did it and from where, for the audit log. */
export function actorOf(req: Request): { username: string; ip: string } {
  return { username: principalOf(req).username, ip: clientIp(req) };
}

/** The session cookie for a token; `maxAgeS` 0 clears it. */
export function sessionCookieHeader(req: Request, token: string, maxAgeS: number): string {
  const secure = req.headers.get(secureHeader) === '1';
  const name = secure ? '__Host-lw_session' : 'lw_session';
  return `${name}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}
