import { createHash, randomBytes } from 'node:crypto';
import type { AuditEntry, AuditQuery, Role, SessionRecord, Store, UserRecord } from '../storage/store.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthError, ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { type AuditQueueOptions, createAuditQueue } from './audit-queue.ts';
import { createLoginLimits } from './login-limits.ts';
import type { LoginThrottleOptions } from './login-throttle.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { Logger } from '../log/logger.ts';

export { roleAtLeast } from '../../lib/auth/access-rules.ts';

export const roles: readonly Role[] = ['viewer', 'operator', 'admin'];

/**
 * How a session ended. `byUser`: its user ended it on purpose (signed out there, or ended it
 * from another device), as opposed to a timeout, a replacement at login or an admin's change.
 */
export interface SessionEnd {
  byUser?: { userId: number; username: string; ip: string };
}
export type SessionEndedListener = (sessionId: string, end: SessionEnd) => void;

/** Who is calling, as route handlers and the audit log see it. */
import type { Principal } from '../../lib/auth/principal.ts';

export type { Principal };

export interface AuthOptions {
  /** Default 30 min. */
  idleTimeoutMs?: number;
  /** Idle timeout of kiosk (wall display) users; default 12 h. */
  kioskIdleTimeoutMs?: number;
  /** Default 12 h. */
  absoluteTimeoutMs?: number;
  throttle?: LoginThrottleOptions;
  /** Refused logins are audited as one row per account × address and period this long; default 5 min. */
  refusalSummaryMs?: number;
  /** Audit rows older than this are deleted by `sweep`; default 365 days. */
  auditRetentionMs?: number;
  /** Audit rows deleted per `sweep` at most (one short statement); default 1000. */
  auditPruneRows?: number;
  /** Default: silent. */
  log?: Logger;
  /** Called each time writing an audit row fails (it is retried): for /metrics. */
  onAuditFailure?: () => void;
  /** Where audit rows go while the database cannot take them (server/spool/): the spool and the rows kept in memory first. */
  auditSpool?: Pick<AuditQueueOptions, 'spool' | 'maxQueued'>;
}

/** Whether a request was the user's own (it extends the session) or made by the page by itself (it does not). */
export type Activity = 'user' | 'background';

export interface SessionView {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
  current: boolean;
}

export type PublicUser = Omit<UserRecord, 'passwordHash'>;

/**
 * How long a session looked up in the store is trusted before it is read again. The API is
 * asked many times a second by one page (trends, zooms), and each lookup is two queries on
 * the thread that also feeds the live stream. Whatever this process changes (sign-out,
 * ended session, disabled user, new role) drops the entry at once; timeouts are still checked
 * on every request.
 */
const sessionCacheMs = 1000;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');
const publicUser = ({ passwordHash: _, ...u }: UserRecord): PublicUser => u;

/** Users, sessions, login throttling and the audit log. */
export function createAuth(store: Store, options: AuthOptions = {}) {
  const idleMs = options.idleTimeoutMs ?? 30 * 60_000;
  const kioskIdleMs = options.kioskIdleTimeoutMs ?? 12 * 3600_000;
  const absoluteMs = options.absoluteTimeoutMs ?? 12 * 3600_000;
  const auditRetentionMs = options.auditRetentionMs ?? 365 * 86_400_000;
  const auditPruneRows = options.auditPruneRows ?? 1000;
  // A session's last-seen time is written once per this at most, well within its idle timeout.
  const touchEveryMs = Math.min(5000, Math.min(idleMs, kioskIdleMs) / 4);
  let setupToken: string | undefined;
  const endedListeners = new Set<SessionEndedListener>();
  const recentSessions = new Map<string, { session: SessionRecord; user: UserRecord; principal: Principal; readAt: number }>();

  /** Tells listeners (the live streams and push subscriptions of these sessions) that they are over. */
  function ended(sessionIds: readonly string[], end: SessionEnd = {}): void {
    for (const id of sessionIds) recentSessions.delete(id);
    for (const id of sessionIds) for (const listener of endedListeners) listener(id, end);
  }

  function forgetSessionsOf(userId: number): void {
    for (const [id, entry] of recentSessions) if (entry.user.id === userId) recentSessions.delete(id);
  }

  function rememberSession(session: SessionRecord, user: UserRecord, now: number): Principal {
    if (recentSessions.size >= 1000) for (const [id, entry] of recentSessions) if (now - entry.readAt >= sessionCacheMs) recentSessions.delete(id);
    const principal = { userId: user.id, username: user.username, role: user.role, session: session.idHash };
    recentSessions.set(session.idHash, { session, user, principal, readAt: now });
    return principal;
  }

  function expired(session: SessionRecord, user: UserRecord | undefined, now: number): boolean {
    const idle = user?.kiosk ? kioskIdleMs : idleMs;
    return !user || user.disabled || now - session.lastSeenAt > idle || now - session.createdAt > absoluteMs;
  }

  /** Audit rows are written in order and retried until written: an action is never left unaudited. */
  const auditRows = createAuditQueue((entry) => store.audit.append(entry), { log: options.log, onFailure: options.onAuditFailure, ...options.auditSpool });

  function audit(entry: Omit<AuditEntry, 'ts' | 'detail' | 'target'> & { target?: string | null; detail?: string | null }): void {
    auditRows.append({ ts: Date.now(), target: null, detail: null, ...entry });
  }

  /**
   * Appends an audit row and resolves once it is durable (committed, or spooled on disk): an
   * action is answered only after that, so a crash cannot take the row of an answered action.
   */
  async function auditDurably(entry: Parameters<typeof audit>[0]): Promise<void> {
    audit(entry);
    await auditRows.written();
  }

  /** A session's last-seen time: best effort (the next touch or the idle timeout covers a lost one). */
  function touch(idHash: string, at: number): void {
    store.sessions.touch(idHash, at).catch((error) => options.log?.warn({ err: error }, 'could not record a session as seen'));
  }

  const limits = createLoginLimits(
    { audit: (entry) => auditRows.append(entry), log: options.log },
    {
      throttle: options.throttle,
      summaries: { periodMs: options.refusalSummaryMs },
    },
  );

  function validPassword(password: string, field = 'password'): void {
    if (password.length < 10) throw new ValidationError('password must have at least 10 characters', { field });
  }

  /** The long kiosk idle timeout suits a wall display that only watches, never a control account. */
  function validKiosk(kiosk: boolean, role: Role, field: 'kiosk' | 'role'): void {
    if (kiosk && role !== 'viewer') throw new ValidationError(`only viewer accounts may be kiosk accounts (this one would be ${role})`, { field });
  }

  return {
    audit,
    /** Resolves once every audit row so far is durable (committed, or spooled on disk): synchronous audited actions are answered after it. */
    auditWritten: () => auditRows.written(),

    /**
     * At start: resumes writing the audit rows a previous run spooled. First run: creates
     * `admin` from `adminPassword` when there are no users; without it, returns a one-time
     * setup token for the setup page.
     */
    async bootstrap(adminPassword: string | undefined): Promise<{ setupToken?: string }> {
      // Rows a previous run spooled are written first (in the background).
      auditRows.resume();
      if ((await store.users.count()) > 0) return {};
      if (adminPassword) {
        validPassword(adminPassword, 'LINEWATCH_ADMIN_PASSWORD');
        await store.users.create({ username: 'admin', passwordHash: await hashPassword(adminPassword), role: 'admin' });
        await auditDurably({ username: 'system', ip: '-', action: 'user.create', target: 'admin', result: 'ok', detail: 'from LINEWATCH_ADMIN_PASSWORD' });
        return {};
      }
      setupToken = randomBytes(24).toString('base64url');
      return { setupToken };
    },

    setupPending: async () => setupToken !== undefined && (await store.users.count()) === 0,

    /** What the setup page says about a link before showing its form: `used` once an admin exists. */
    async setupLinkState(token: string): Promise<'valid' | 'used' | 'invalid'> {
      if ((await store.users.count()) > 0) return 'used';
      return setupToken && tokenHash(token) === tokenHash(setupToken) ? 'valid' : 'invalid';
    },

    async completeSetup(token: string, username: string, password: string, ip: string): Promise<PublicUser> {
      if (!setupToken || (await store.users.count()) > 0) throw new ConflictError('setup is already done', { field: 'token' });
      if (tokenHash(token) !== tokenHash(setupToken)) throw new AuthError('setup token is not valid', { field: 'token' });
      validPassword(password);
      const user = await store.users.create({ username, passwordHash: await hashPassword(password), role: 'admin' });
      setupToken = undefined;
      await auditDurably({ username, ip, action: 'user.create', target: username, result: 'ok', detail: 'first admin via setup link' });
      return publicUser(user);
    },

    /**
     * Checks credentials and opens a new session. Throttled per account × address, per
     * address and per account (login-throttle.ts): failures from elsewhere never keep the
     * right password out of an address that has not failed. Refusals are audited in summary.
     */
    async login(username: string, password: string, ip: string, userAgent: string, previous?: Principal): Promise<{ token: string; user: PublicUser }> {
      const { ticket, waitMs } = limits.admit(username, ip, Date.now());
      if (waitMs > 0) await sleep(waitMs);
      const user = await store.users.byName(username);
      // Always pay for one hash, so response time doesn't tell which usernames exist.
      const ok = await verifyPassword(password, user?.passwordHash ?? dummyHash);
      if (!user || !ok || user.disabled) {
        limits.failed(ticket, Date.now());
        const result = user?.disabled && ok ? 'denied: disabled' : 'denied: bad credentials';
        await auditDurably({ username, ip, action: 'login', result });
        options.log?.warn({ username, ip, result }, 'login failed');
        throw new AuthError('wrong username or password');
      }
      limits.succeeded(ticket);
      // Rotation: a login never keeps the session it came with.
      if (previous) {
        await store.sessions.delete(previous.session);
        ended([previous.session]);
      }
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      await store.sessions.create({ idHash: tokenHash(token), userId: user.id, createdAt: now, lastSeenAt: now, ip, userAgent: userAgent.slice(0, 200) });
      await auditDurably({ username: user.username, ip, action: 'login', result: 'ok' });
      return { token, user: publicUser(user) };
    },

    absoluteTimeoutMs: absoluteMs,

    /**
     * The principal of a session token, or undefined (unknown, expired, disabled user). A
     * `'user'` request counts as activity (extends the idle timeout); a `'background'` one
     * (polling, prefetch, stream reconnect: lib/auth/background.ts) does not.
     */
    async authenticate(token: string | undefined, now = Date.now(), activity: Activity = 'user'): Promise<Principal | undefined> {
      if (!token) return undefined;
      const idHash = tokenHash(token);
      const recent = recentSessions.get(idHash);
      if (recent && now - recent.readAt < sessionCacheMs && !expired(recent.session, recent.user, now)) {
        if (activity === 'user' && now - recent.session.lastSeenAt > touchEveryMs) {
          touch(idHash, now);
          recent.session.lastSeenAt = now;
        }
        return recent.principal;
      }
      const session = await store.sessions.get(idHash);
      if (!session) return undefined;
      const user = await store.users.byId(session.userId);
      if (!user || expired(session, user, now)) {
        await store.sessions.delete(idHash);
        ended([idHash]);
        return undefined;
      }
      // One write a few seconds at most, not one per request.
      if (activity === 'user' && now - session.lastSeenAt > touchEveryMs) {
        touch(idHash, now);
        session.lastSeenAt = now;
      }
      return rememberSession(session, user, now);
    },

    async logout(principal: Principal, ip: string): Promise<void> {
      await store.sessions.delete(principal.session);
      const row = auditDurably({ username: principal.username, ip, action: 'logout', result: 'ok' });
      ended([principal.session], { byUser: { userId: principal.userId, username: principal.username, ip } });
      await row;
    },

    async sessionsOf(principal: Principal): Promise<SessionView[]> {
      return (await store.sessions.ofUser(principal.userId)).map((s) => ({
        id: s.idHash,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.idHash === principal.session,
      }));
    },

    async endSession(principal: Principal, sessionId: string, ip: string): Promise<void> {
      const s = await store.sessions.get(sessionId);
      if (!s || s.userId !== principal.userId) throw new NotFoundError('no such session of yours', { field: 'id' });
      await store.sessions.delete(sessionId);
      const row = auditDurably({ username: principal.username, ip, action: 'session.end', target: sessionId.slice(0, 8), result: 'ok' });
      ended([sessionId], { byUser: { userId: principal.userId, username: principal.username, ip } });
      await row;
    },

    /**
     * The signed-in user changes their own password: the current one must be given (a session
     * left open on a shared tablet must not be enough), the new one follows the rules of user
     * creation. Every other session of the user ends; this one stays. Guesses of the current
     * password count against the login throttle of the account and address. Audited
     * (`user.password`), refused attempts too.
     */
    async changePassword(principal: Principal, ip: string, currentPassword: string, newPassword: string): Promise<{ endedSessions: number }> {
      const { ticket, waitMs } = limits.admit(principal.username, ip, Date.now());
      if (waitMs > 0) await sleep(waitMs);
      const user = await store.users.byId(principal.userId);
      if (!user || user.disabled) throw new AuthError('sign in first');
      if (!(await verifyPassword(currentPassword, user.passwordHash))) {
        limits.failed(ticket, Date.now());
        await auditDurably({ username: user.username, ip, action: 'user.password', target: user.username, result: 'denied: wrong current password' });
        throw new ValidationError('the current password is not right', { field: 'currentPassword' });
      }
      limits.succeeded(ticket);
      validPassword(newPassword, 'newPassword');
      if (newPassword === currentPassword) throw new ValidationError('the new password must differ from the current one', { field: 'newPassword' });
      await store.users.update(user.id, { passwordHash: await hashPassword(newPassword) });
      const others = (await store.sessions.ofUser(user.id)).map((x) => x.idHash).filter((id) => id !== principal.session);
      for (const id of others) await store.sessions.delete(id);
      forgetSessionsOf(user.id);
      ended(others);
      await auditDurably({
        username: user.username,
        ip,
        action: 'user.password',
        target: user.username,
        result: 'ok',
        detail: `other sessions ended: ${others.length}`,
      });
      return { endedSessions: others.length };
    },

    users: async () => (await store.users.list()).map(publicUser),

    auditLog: (q: AuditQuery) => store.audit.query(q),

    async createUser(actor: Principal, ip: string, input: { username: string; password: string; role: Role; kiosk?: boolean }): Promise<PublicUser> {
      validPassword(input.password);
      validKiosk(input.kiosk ?? false, input.role, 'kiosk');
      if (await store.users.byName(input.username)) throw new ConflictError(`user "${input.username}" exists`, { field: 'username' });
      const user = await store.users.create({ ...input, passwordHash: await hashPassword(input.password) });
      await auditDurably({ username: actor.username, ip, action: 'user.create', target: user.username, result: 'ok', detail: `role ${user.role}` });
      return publicUser(user);
    },

    async updateUser(
      actor: Principal,
      ip: string,
      id: number,
      changes: { role?: Role; disabled?: boolean; kiosk?: boolean; password?: string },
    ): Promise<PublicUser> {
      const user = await store.users.byId(id);
      if (!user) throw new NotFoundError(`no user ${id}`, { field: 'id' });
      if (id === actor.userId && (changes.disabled || (changes.role && changes.role !== 'admin'))) {
        throw new ConflictError('you cannot disable or demote yourself', { field: changes.disabled ? 'disabled' : 'role' });
      }
      validKiosk(changes.kiosk ?? user.kiosk, changes.role ?? user.role, changes.kiosk ? 'kiosk' : 'role');
      if (changes.password !== undefined) validPassword(changes.password);
      const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
      // The store checks, in the change's own transaction, that the actor is still an active
      // admin and that an active admin remains (two admins demoting each other at once).
      const updated = (await store.users.update(
        id,
        { role: changes.role, disabled: changes.disabled, kiosk: changes.kiosk, passwordHash },
        { actorId: actor.userId },
      ))!;
      forgetSessionsOf(id);
      // A disabled user or a reset password ends every session of that user.
      if (changes.disabled || changes.password !== undefined) {
        const sessions = (await store.sessions.ofUser(id)).map((s) => s.idHash);
        await store.sessions.deleteOfUser(id);
        ended(sessions);
      }
      const what = Object.entries(changes).map(([k, v]) => (k === 'password' ? 'password reset' : `${k}=${String(v)}`));
      await auditDurably({ username: actor.username, ip, action: 'user.update', target: user.username, result: 'ok', detail: what.join(', ') });
      return publicUser(updated);
    },

    /**
     * Calls `listener` with the id (`Principal.session`) of each session that ends: logout,
     * ended from another device, replaced at login, user disabled or password reset, found
     * expired. Returns the function that removes it.
     */
    onSessionEnded(listener: SessionEndedListener): () => void {
      endedListeners.add(listener);
      return () => endedListeners.delete(listener);
    },

    /**
     * Ends those of `sessionIds` that are gone or past their timeouts, as their next request
     * would (`sweep` keeps idle sessions until the longest idle timeout): for sessions whose
     * only activity is a live stream, which makes no requests. Listeners hear of each.
     */
    async endExpired(sessionIds: Iterable<string>, now = Date.now()): Promise<void> {
      const over: string[] = [];
      for (const id of sessionIds) {
        const session = await store.sessions.get(id);
        if (session && !expired(session, await store.users.byId(session.userId), now)) continue;
        if (session) await store.sessions.delete(id);
        over.push(id);
      }
      ended(over);
    },

    /**
     * Called every minute: removes sessions past their timeouts, audits the login refusals of
     * the summary periods that have ended, and deletes the oldest audit rows past retention
     * (`auditPruneRows` at most, so each call stays short). Returns the sessions removed.
     */
    async sweep(now = Date.now()): Promise<number> {
      limits.flush(now);
      await store.audit.prune(now - auditRetentionMs, auditPruneRows);
      return store.sessions.deleteExpired(now - Math.max(idleMs, kioskIdleMs), now - absoluteMs);
    },

    /** Audits the login refusals counted so far and waits (a few seconds at most) for every audit row to be written: at shutdown, before the store closes. */
    async flushAudit(now = Date.now()): Promise<void> {
      limits.flush(now, true);
      await auditRows.drain(5000);
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
