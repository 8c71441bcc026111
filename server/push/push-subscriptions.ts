import { priorityRank, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { PushSubscriptionView } from '../../lib/push/push-types.ts';
import { roleAtLeast } from '../auth/auth-service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { PushPreferences, PushRepository, PushSubscriptionRecord, UserRepository } from '../storage/store.ts';
import { endpointProblem, type EndpointPolicy } from './endpoint-policy.ts';
import type { Logger } from '../log/logger.ts';

export interface SubscribeInput extends PushPreferences {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userAgent: string;
  /** The sign-in session subscribing (its id): its end removes the subscription. */
  session?: string;
}

/** A device that may get a push now, and whether its owner may acknowledge from the notification. */
export interface Recipient {
  sub: PushSubscriptionRecord;
  canAck: boolean;
}

/** Whether a device's preferences ask for this alarm: its line, at or above its minimum priority. */
export function wants(prefs: PushPreferences, alarm: Pick<AlarmView, 'line' | 'priority'>): boolean {
  return priorityRank[alarm.priority] <= priorityRank[prefs.minPriority] && (prefs.lines === null || prefs.lines.includes(alarm.line));
}

/** Why a subscription cannot be stored (message and field), or null when it can. */
export function subscribeProblem(
  input: Pick<SubscribeInput, 'endpoint' | 'lines'>,
  lineIds: ReadonlySet<string>,
  policy: EndpointPolicy,
): { message: string; field: string } | null {
  const endpoint = endpointProblem(input.endpoint, policy);
  if (endpoint) return { message: `subscription.endpoint ${endpoint}`, field: 'subscription.endpoint' };
  const unknown = input.lines?.findIndex((l) => !lineIds.has(l)) ?? -1;
  if (unknown >= 0) return { message: `no line "${input.lines![unknown]}"`, field: `preferences.lines[${unknown}]` };
  return null;
}

/** What a user sees of a subscription: never its keys. */
export const subscriptionView = (s: PushSubscriptionRecord): PushSubscriptionView => ({
  id: s.id,
  endpoint: s.endpoint,
  lines: s.lines,
  minPriority: s.minPriority,
  userAgent: s.userAgent,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  lastSuccessAt: s.lastSuccessAt,
  lastError: s.lastError,
  session: s.session,
});

export interface PushSubscriptionsDeps {
  repo: PushRepository;
  /** Owner's role (may they acknowledge?) and whether they are still enabled. */
  users: Pick<UserRepository, 'byId'>;
  /** The plant's line ids: preferences may name only these. */
  lineIds: ReadonlySet<string>;
  log: Logger;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

export interface PushSubscriptionsOptions {
  /** Which endpoints are accepted (endpoint-policy.ts). Default: the known push services only. */
  policy?: EndpointPolicy;
  /** Devices one user may have subscribed. Default 10. */
  maxPerUser?: number;
}

export const defaultMaxSubscriptionsPerUser = 10;

export interface PushSubscriptions {
  /** Loads the stored subscriptions; call once at start. */
  load(): Promise<void>;
  size(): number;
  /** The subscription as it is now; undefined once deleted. */
  get(id: number): PushSubscriptionRecord | undefined;
  list(userId: number): PushSubscriptionView[];
  /**
   * Stores (or re-stores, with new keys and preferences) one of the user's devices. ValidationError
   * names the field; ConflictError (`subscription.endpoint`) when the endpoint is another user's
   * (it stays theirs) or the user has `maxPerUser` devices already.
   */
  subscribe(userId: number, input: SubscribeInput): Promise<PushSubscriptionView>;
  /** Deletes one of the user's devices and returns its id; NotFoundError (field `endpoint`) when it is not theirs. */
  unsubscribe(userId: number, endpoint: string): Promise<number>;
  /** One of the user's devices; NotFoundError (field `endpoint`) when it is not theirs. */
  own(userId: number, endpoint: string): Promise<PushSubscriptionRecord>;
  /**
   * Every device whose owner is still enabled: who may get a push now. When the users cannot
   * be read, owners are judged as they were last read: an outage must not silence alarms.
   */
  audience(): Promise<Recipient[]>;
  /** Keeps a push's result on the subscription (shown on the settings page), if it still exists. */
  recordResult(id: number, result: { at: number; error: string | null }): void;
  /** Deletes a subscription the push service says is gone, and logs why. */
  remove(id: number, why: string): void;
  /** Subscriptions deleted by `remove` since start. */
  removed(): number;
}

/**
 * The devices subscribed to alarm pushes: the stored subscriptions, mirrored in memory so an
 * alarm flood finds its recipients without a query per alarm; the database stays the record.
 */
export function createPushSubscriptions(deps: PushSubscriptionsDeps, options: PushSubscriptionsOptions = {}): PushSubscriptions {
  const { repo, log } = deps;
  const clock = deps.now ?? Date.now;
  const subs = new Map<number, PushSubscriptionRecord>();
  const maxPerUser = options.maxPerUser ?? defaultMaxSubscriptionsPerUser;
  let removed = 0;
  const theirs = () =>
    new ConflictError('subscription.endpoint is registered by another user: it can be registered again once they turn notifications off there', {
      field: 'subscription.endpoint',
    });

  /** Owner → may acknowledge (null: disabled or gone), as last read. */
  const lastCanAck = new Map<number, boolean | null>();

  async function own(userId: number, endpoint: string): Promise<PushSubscriptionRecord> {
    const sub = await repo.byEndpoint(endpoint);
    if (!sub || sub.userId !== userId) throw new NotFoundError('no such subscription of yours', { field: 'endpoint' });
    return sub;
  }

  return {
    async load() {
      // Replaces what is known: also to take what another process (a web instance) changed.
      const all = await repo.all();
      subs.clear();
      for (const sub of all) subs.set(sub.id, sub);
    },
    size: () => subs.size,
    get: (id) => subs.get(id),
    list: (userId) => [...subs.values()].filter((s) => s.userId === userId).map(subscriptionView),
    async subscribe(userId, input) {
      const problem = subscribeProblem(input, deps.lineIds, options.policy ?? {});
      if (problem) throw new ValidationError(problem.message, { field: problem.field });
      // An endpoint is a device: whoever knows another user's must not take their alarms away.
      const known = await repo.byEndpoint(input.endpoint);
      if (known && known.userId !== userId) throw theirs();
      // Refused rather than replacing the oldest: a device that silently stops getting alarms is
      // worse than a clear "remove one first" on the device being added, where the user is looking.
      if (!known && [...subs.values()].filter((s) => s.userId === userId).length >= maxPerUser)
        throw new ConflictError(`you have ${maxPerUser} devices subscribed, the most allowed: remove one first`, { field: 'subscription.endpoint' });
      const sub = await repo.upsert(
        {
          userId,
          endpoint: input.endpoint,
          p256dh: input.keys.p256dh,
          auth: input.keys.auth,
          lines: input.lines === null ? null : [...new Set(input.lines)],
          minPriority: input.minPriority,
          userAgent: input.userAgent.slice(0, 200),
          session: input.session ?? null,
        },
        clock(),
      );
      if (sub.userId !== userId) throw theirs();
      subs.set(sub.id, sub);
      return subscriptionView(sub);
    },
    async unsubscribe(userId, endpoint) {
      const sub = await own(userId, endpoint);
      await repo.delete(sub.id);
      subs.delete(sub.id);
      return sub.id;
    },
    own,
    async audience() {
      // One look-up per owner, not per device: a user may have several. null: disabled or gone.
      const canAckOf = new Map<number, boolean | null>();
      const out: Recipient[] = [];
      for (const sub of [...subs.values()]) {
        let canAck = canAckOf.get(sub.userId);
        if (canAck === undefined) {
          try {
            const user = await deps.users.byId(sub.userId);
            canAck = !user || user.disabled ? null : roleAtLeast(user.role, 'operator');
            lastCanAck.set(sub.userId, canAck);
          } catch (error) {
            // Never read: may get pushes, not acknowledge them; last read as disabled or gone: still excluded.
            canAck = lastCanAck.has(sub.userId) ? lastCanAck.get(sub.userId)! : false;
            log.warn({ err: error, userId: sub.userId }, 'could not read a subscriber; judged as last read');
          }
          canAckOf.set(sub.userId, canAck);
        }
        if (canAck !== null) out.push({ sub, canAck });
      }
      return out;
    },
    recordResult(id, result) {
      if (!subs.has(id)) return;
      // Shown on the settings page only: a lost one is replaced by the next push's.
      repo.recordResult(id, result).catch((error: unknown) => log.warn({ err: error, subscription: id }, 'could not record a push result'));
    },
    remove(id, why) {
      const sub = subs.get(id);
      if (!sub) return;
      subs.delete(id);
      // Gone for the push service already: if the row stays, the next push removes it again.
      repo.delete(id).catch((error: unknown) => log.warn({ err: error, subscription: id }, 'could not delete a push subscription'));
      removed++;
      log.info({ subscription: id, userId: sub.userId, reason: why }, 'push subscription deleted');
    },
    removed: () => removed,
  };
}
