/** Viewers read, operators act, admins configure. */
export type Role = 'viewer' | 'operator' | 'admin';

export type Access = Role | 'public';

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` may do what `required` may. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return rank[role] >= rank[required];
}

/**
 * Who may call what: one rule per API route and method, with paths written as Next route
 * folders (`[id]` = one segment). Anything under /api without a rule is refused (404), and
 * the role × route matrix test fails for a route file that has no rule here.
 */
export interface ApiRule {
  method: string;
  path: string;
  access: Access;
  /** Served by the custom server (server/stream/, server/history/history-endpoint.ts) rather than a Next route file. */
  servedBy?: 'server';
}

export const apiRules: readonly ApiRule[] = [
  { method: 'GET', path: '/api/health', access: 'public' },
  { method: 'GET', path: '/metrics', access: 'viewer' },
  { method: 'POST', path: '/api/auth/login', access: 'public' },
  { method: 'POST', path: '/api/auth/setup', access: 'public' },
  { method: 'POST', path: '/api/auth/logout', access: 'viewer' },
  { method: 'GET', path: '/api/auth/me', access: 'viewer' },
  { method: 'GET', path: '/api/auth/sessions', access: 'viewer' },
  { method: 'DELETE', path: '/api/auth/sessions/[id]', access: 'viewer' },
  // Every user changes their own password (the current one is asked for).
  { method: 'POST', path: '/api/auth/password', access: 'viewer' },
  { method: 'GET', path: '/api/users', access: 'admin' },
  { method: 'POST', path: '/api/users', access: 'admin' },
  { method: 'PATCH', path: '/api/users/[id]', access: 'admin' },
  { method: 'GET', path: '/api/audit', access: 'admin' },
  { method: 'GET', path: '/api/stream', access: 'viewer', servedBy: 'server' },
  { method: 'GET', path: '/api/ws', access: 'viewer', servedBy: 'server' },
  // The plant's configuration (hosts, addresses, limits) is the admins': read and changed.
  { method: 'GET', path: '/api/plant', access: 'admin' },
  { method: 'PUT', path: '/api/plant', access: 'admin' },
  { method: 'GET', path: '/api/plant/versions', access: 'admin' },
  { method: 'GET', path: '/api/plant/versions/[version]', access: 'admin' },
  { method: 'POST', path: '/api/plant/rollback', access: 'admin' },
  { method: 'POST', path: '/api/plant/test-read', access: 'admin' },
  { method: 'GET', path: '/api/lines', access: 'viewer' },
  // Operators write setpoints and commands; a tag may ask for admins (checked against the tag).
  { method: 'POST', path: '/api/tags/[id]/write', access: 'operator' },
  { method: 'POST', path: '/api/lines/[id]/simulation', access: 'operator' },
  { method: 'DELETE', path: '/api/lines/[id]/simulation', access: 'operator' },
  { method: 'GET', path: '/api/processes', access: 'viewer' },
  { method: 'GET', path: '/api/history', access: 'viewer', servedBy: 'server' },
  { method: 'GET', path: '/api/jobs', access: 'viewer' },
  { method: 'POST', path: '/api/jobs', access: 'operator' },
  { method: 'GET', path: '/api/jobs/[id]', access: 'viewer' },
  { method: 'DELETE', path: '/api/jobs/[id]', access: 'operator' },
  { method: 'GET', path: '/api/jobs/[id]/download', access: 'viewer' },
  { method: 'GET', path: '/api/alarms', access: 'viewer' },
  { method: 'GET', path: '/api/alarms/journal', access: 'viewer' },
  { method: 'GET', path: '/api/alarms/kpi', access: 'viewer' },
  { method: 'POST', path: '/api/alarms/ack', access: 'operator' },
  { method: 'POST', path: '/api/alarms/shelve', access: 'operator' },
  { method: 'POST', path: '/api/alarms/unshelve', access: 'operator' },
  // Out of service is a management-of-change decision (ISA-18.2), not a shift action.
  { method: 'POST', path: '/api/alarms/out-of-service', access: 'admin' },
  { method: 'POST', path: '/api/alarms/return-to-service', access: 'admin' },
  // Push: every signed-in user manages their own devices' subscriptions.
  { method: 'GET', path: '/api/push/vapid-key', access: 'viewer' },
  { method: 'GET', path: '/api/push/subscriptions', access: 'viewer' },
  { method: 'POST', path: '/api/push/subscriptions', access: 'viewer' },
  { method: 'DELETE', path: '/api/push/subscriptions', access: 'viewer' },
  { method: 'POST', path: '/api/push/test', access: 'viewer' },
];

/** Pages anyone may open (everything else redirects to the login page). */
export const publicPages: readonly string[] = ['/login', '/setup'];

/** Static files served without a session: the app shell must load on the login page too. */
export function isPublicAsset(path: string): boolean {
  return (
    path.startsWith('/_next/') ||
    path.startsWith('/icons/') ||
    path === '/favicon.ico' ||
    path === '/manifest.webmanifest' ||
    path === '/robots.txt' ||
    path.startsWith('/serwist/')
  );
}

const compiled = apiRules.map((r) => ({
  ...r,
  re: new RegExp(`^${r.path.replace(/\[[^\]]+\]/g, '[^/]+')}$`),
}));

/** The rule for a request, or undefined (no such route). HEAD follows GET. */
export function findRule(method: string, path: string): { access: Access } | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return compiled.find((r) => r.method === m && r.re.test(path));
}

export type Verdict = { ok: true; access: Access } | { ok: false; status: 401 | 403 | 404; code: string; message: string };

/**
 * Whether a caller (`role` undefined: not signed in) may call `method path` (a canonical
 * path, see request-path.ts). Used by the request guard and again by every route handler.
 */
export function authorize(method: string, path: string, role: Role | undefined): Verdict {
  const rule = findRule(method, path);
  if (!rule) return { ok: false, status: 404, code: 'LW_NOT_FOUND', message: `no route ${method} ${path}` };
  if (rule.access === 'public') return { ok: true, access: rule.access };
  if (!role) return { ok: false, status: 401, code: 'LW_UNAUTHENTICATED', message: 'sign in first' };
  if (!roleAtLeast(role, rule.access)) return { ok: false, status: 403, code: 'LW_FORBIDDEN', message: `needs role ${rule.access}` };
  return { ok: true, access: rule.access };
}

/** Whether `path` is an API path at all (rules apply, pages don't). */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/metrics';
}
