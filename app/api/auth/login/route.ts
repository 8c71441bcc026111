import { z } from 'zod';
import { clientIp, maybePrincipal, sessionCookieHeader } from '../../../../lib/auth/principal.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });

/** Signs in: a new session (never the one the request came with) in an HttpOnly cookie. */
export const POST = route({ body }, async (req, { body: { username, password } }) => {
  const { auth } = getRuntime();
  try {
    const { token, user } = await auth.login(username, password, clientIp(req), req.headers.get('user-agent') ?? '', maybePrincipal(req.headers));
    return json({ user }, { headers: { 'set-cookie': sessionCookieHeader(req, token, auth.absoluteTimeoutMs / 1000) } });
  } catch (error) {
    const retry = (error as { retryAfterMs?: number }).retryAfterMs;
    if (retry)
      return json(
        { error: { code: 'LW_THROTTLED', message: (error as Error).message } },
        { status: 429, headers: { 'retry-after': String(Math.ceil(retry / 1000)) } },
      );
    throw error;
  }
});
