import webpush from 'web-push';
import { annunciates, priorityRank, type AlarmEventPayload, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { PushDelivery, PushPayload, PushSubscriptionView } from '../../lib/push/push-types.ts';
import type { HubEvent } from '../../lib/types.ts';
import { roleAtLeast } from '../auth/auth-service.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import type { Hub } from '../hub/hub.ts';
import type { PushPreferences, PushRepository, PushSubscriptionRecord, UserRepository, VapidKeys } from '../storage/store.ts';
import { endpointProblem } from './endpoint-policy.ts';
import { defaultFloodOptions, isOver, offer, takeSummary, type FloodOptions, type FloodState } from './flood-gate.ts';
import { alarmPayload, deliveryByPriority, summaryPayload, testPayload, topicOf, type Urgency } from './push-payload.ts';
import { resolveVapidKeys } from './vapid.ts';

export interface PushConfig {
  /** VAPID public key (base64url, 65 bytes); with `vapidPrivateKey`, wins over the stored pair. */
  vapidPublicKey?: string;
  vapidPrivateKey?: string;
  /** Contact the push services may use (RFC 8292 `sub`). Default `mailto:linewatch@example.invalid`. */
  vapidSubject: string;
  /** Accept `http://` endpoints on loopback (tests with a local capture server). Default false. */
  allowLoopbackHttp: boolean;
  /** Push requests in flight at once. Default 4. */
  concurrency: number;
  /** Pushes waiting at most; past it the lowest priority waits no more (dropped, counted). Default 1000. */
  maxQueue: number;
  /** One request's time limit, ms. Default 10 000. */
  timeoutMs: number;
  /** Tries per push for 429, 5xx and network errors. Default 4. */
  maxAttempts: number;
  /** Longest wait before a retry (also caps Retry-After), ms. Default 60 000. */
  maxRetryDelayMs: number;
  /** How long `stop()` lets queued pushes go out before aborting them, ms. Default 2000. */
  stopGraceMs: number;
  flood: FloodOptions;
}

export const defaultPushConfig: PushConfig = {
  vapidSubject: 'mailto:linewatch@example.invalid',
  allowLoopbackHttp: false,
  concurrency: 4,
  maxQueue: 1000,
  timeoutMs: 10_000,
  maxAttempts: 4,
  maxRetryDelayMs: 60_000,
  stopGraceMs: 2000,
  flood: defaultFloodOptions,
};

export interface PushSenderDeps {
  /** Alarm transitions arrive as the hub's `alarm` events. */
  hub: Pick<Hub, 'subscribe'>;
  repo: PushRepository;
  /** Owner's role (may they acknowledge?) and whether they are still enabled. */
  users: Pick<UserRepository, 'byId'>;
  plant: Plant;
  log(message: string): void;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** An alarm push leaves for the push service, `ms` after its alarm transition. */
  onAlarmPushSent?: (ms: number) => void;
}

export interface SubscribeInput extends PushPreferences {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userAgent: string;
  /** The sign-in session subscribing (its id): its end removes the subscription. */
  session?: string;
}

/** What route handlers reach through the runtime. Every call is about the caller's own devices. */
export interface PushService {
  /** The VAPID public key browsers subscribe with (base64url). */
  publicKey(): string;
  list(userId: number): PushSubscriptionView[];
  /** Stores (or re-stores, with new keys and preferences) a device's subscription. */
  subscribe(userId: number, input: SubscribeInput): PushSubscriptionView;
  /** NotFoundError (field `endpoint`) when it is not one of the user's devices. */
  unsubscribe(userId: number, endpoint: string): void;
  /** Sends a test notification to one of the user's devices now and reports the push service's answer. */
  test(userId: number, endpoint: string): Promise<PushDelivery>;
}

export interface PushStats {
  subscriptions: number;
  queued: number;
  inFlight: number;
  sent: number;
  failed: number;
  retried: number;
  dropped: number;
  /** Subscriptions deleted because the push service said they are gone (404/410). */
  removed: number;
  /** Alarm transition → its push request leaving, ms, of the latest alarm push. */
  lastLatencyMs: number | null;
}

export interface PushSender {
  readonly service: PushService;
  /** Loads the subscriptions and VAPID keys (made on first start) and listens to alarm events. */
  start(): void;
  /** Stops listening, lets queued pushes go for `stopGraceMs`, aborts the rest. A second call returns the same promise. */
  stop(): Promise<void>;
  stats(): PushStats;
}

interface Job {
  sub: PushSubscriptionRecord;
  payload: PushPayload;
  ttlS: number;
  urgency: Urgency;
  topic?: string;
  /** priorityRank: lower goes first. */
  rank: number;
  attempt: number;
  /** Epoch ms of the alarm transition, for the latency figure. */
  raisedAt?: number;
}

type Outcome = PushDelivery & { retryAfterMs?: number };

/** Encryption work per event-loop turn before the requests started so far may leave, ms. */
const turnBudgetMs = 3;

const view = (s: PushSubscriptionRecord): PushSubscriptionView => ({
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

/** Retry-After: seconds or an HTTP date. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Web Push for alarms (RFC 8030/8291/8292). Listens to the hub's `alarm` events; the listener
 * only queues (the alarm engine publishes synchronously and must never wait on us). Then, on
 * a later tick: which devices want this alarm (their lines and minimum priority, owner still
 * enabled), flood control per device and line, and a bounded-concurrency queue that sends
 * with `web-push`'s request details over `fetch`: 404/410 delete the subscription, 429 and
 * 5xx are retried with backoff (honouring Retry-After), a Topic collapses repeats of one alarm.
 */
export function createPushSender(deps: PushSenderDeps, options: Partial<PushConfig> = {}): PushSender {
  const config: PushConfig = { ...defaultPushConfig, ...options, flood: { ...defaultFloodOptions, ...options.flood } };
  const { repo, log } = deps;
  const clock = deps.now ?? Date.now;
  const send = deps.fetch ?? fetch;
  const lineNames = new Map(deps.plant.lines.map((l) => [l.id, l.name]));
  const lineIds = new Set(lineNames.keys());

  const subs = new Map<number, PushSubscriptionRecord>();
  let keys: VapidKeys | undefined;
  let unsubscribeHub: (() => void) | undefined;
  let intake: AlarmEventPayload[] = [];
  let intakeScheduled = false;
  const gates = new Map<string, FloodState>();
  const summaryTimers = new Map<string, NodeJS.Timeout>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const queue: Job[] = [];
  let inFlight = 0;
  const idle = new Set<() => void>();
  const abort = new AbortController();
  let stopping: Promise<void> | undefined;
  const stats = { sent: 0, failed: 0, retried: 0, dropped: 0, removed: 0, lastLatencyMs: null as number | null };

  function onHubEvent(e: HubEvent): void {
    if (e.event !== 'alarm') return;
    const payload = e.data as AlarmEventPayload;
    if (!annunciates(payload.entry) || subs.size === 0) return;
    intake.push(payload);
    if (!intakeScheduled) {
      intakeScheduled = true;
      setImmediate(processIntake);
    }
  }

  function wants(sub: PushSubscriptionRecord, alarm: AlarmView): boolean {
    return priorityRank[alarm.priority] <= priorityRank[sub.minPriority] && (sub.lines === null || sub.lines.includes(alarm.line));
  }

  function processIntake(): void {
    intakeScheduled = false;
    const batch = intake;
    intake = [];
    if (stopping) return;
    const now = clock();
    /** Per owner: may acknowledge (true/false), or null = disabled or gone (no pushes). */
    const owners = new Map<number, boolean | null>();
    const canAckOf = (userId: number) => {
      if (!owners.has(userId)) {
        const user = deps.users.byId(userId);
        owners.set(userId, !user || user.disabled ? null : roleAtLeast(user.role, 'operator'));
      }
      return owners.get(userId)!;
    };
    for (const event of batch) {
      for (const sub of subs.values()) {
        if (!wants(sub, event.alarm)) continue;
        const canAck = canAckOf(sub.userId);
        if (canAck === null) continue;
        const key = `${sub.id}|${event.line}`;
        const step = offer(gates.get(key), { id: event.alarm.id, message: event.entry.message, priority: event.alarm.priority }, now, config.flood);
        gates.set(key, step.state);
        if (step.action === 'send') {
          const delivery = deliveryByPriority[event.alarm.priority];
          enqueue({
            sub,
            payload: alarmPayload(event, lineNames.get(event.line) ?? event.line, canAck),
            ttlS: delivery.ttlS,
            urgency: delivery.urgency,
            topic: topicOf(`alarm:${event.alarm.id}`),
            rank: priorityRank[event.alarm.priority],
            attempt: 0,
            raisedAt: event.entry.ts,
          });
        } else {
          armSummary(key, sub.id, event.line, step.state.summaryAt!);
        }
      }
    }
    for (const [key, state] of gates) if (isOver(state, now, config.flood)) gates.delete(key);
  }

  function armSummary(key: string, subId: number, line: string, at: number): void {
    if (summaryTimers.has(key)) return;
    const timer = setTimeout(() => {
      summaryTimers.delete(key);
      const state = gates.get(key);
      const sub = subs.get(subId);
      const summary = state && takeSummary(state, clock());
      if (!state || !sub || !summary) return;
      gates.set(key, summary.state);
      const top = summary.top;
      const delivery = deliveryByPriority[top];
      enqueue({
        sub,
        payload: summaryPayload(line, lineNames.get(line) ?? line, summary.count, top, summary.newest, clock()),
        ttlS: delivery.ttlS,
        urgency: delivery.urgency,
        // One summary per line on the device: a newer one replaces the older while undelivered.
        topic: topicOf(`flood:${line}`),
        rank: priorityRank[top],
        attempt: 0,
      });
    }, Math.max(0, at - clock()));
    timer.unref();
    summaryTimers.set(key, timer);
  }

  function enqueue(job: Job): void {
    if (queue.length >= config.maxQueue) {
      let worst = 0;
      for (let i = 1; i < queue.length; i++) if (queue[i]!.rank >= queue[worst]!.rank) worst = i;
      stats.dropped++;
      if (stats.dropped === 1 || stats.dropped % 100 === 0) log(`push: queue full (${config.maxQueue}): ${stats.dropped} pushes dropped so far, lowest priority first`);
      if (job.rank >= queue[worst]!.rank) return;
      queue.splice(worst, 1);
    }
    queue.push(job);
    pump();
  }

  let pumpScheduled = false;

  /**
   * Starts jobs (highest priority first) on a later turn of the event loop, a few
   * milliseconds' worth per turn: each start encrypts synchronously, and requests only leave
   * when the turn ends, so the first device's push should not wait for the tenth's encryption
   * (nor the alarm engine for any of them).
   */
  function pump(): void {
    if (pumpScheduled || inFlight >= config.concurrency || queue.length === 0) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      const turnStart = performance.now();
      while (inFlight < config.concurrency && queue.length > 0 && performance.now() - turnStart < turnBudgetMs) {
        let next = 0;
        for (let i = 1; i < queue.length; i++) if (queue[i]!.rank < queue[next]!.rank) next = i;
        const [job] = queue.splice(next, 1);
        inFlight++;
        void run(job!).finally(() => {
          inFlight--;
          pump();
          if (inFlight === 0 && queue.length === 0) {
            for (const resolve of idle) resolve();
            idle.clear();
          }
        });
      }
      pump();
    });
  }

  /**
   * The VAPID Authorization header per push service origin. Signing a JWT costs milliseconds
   * (ES256, plus web-push's key conversion) and it may be reused until it expires (≤ 24 h,
   * RFC 8292): sign once per origin every 11 hours instead of once per message.
   */
  const vapidHeaders = new Map<string, { value: string; renewAt: number }>();
  function vapidHeader(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = clock();
    const known = vapidHeaders.get(audience);
    if (known && known.renewAt > now) return known.value;
    const exp = Math.floor(now / 1000) + 12 * 3600;
    const { Authorization } = webpush.getVapidHeaders(audience, config.vapidSubject, keys!.publicKey, keys!.privateKey, 'aes128gcm', exp);
    vapidHeaders.set(audience, { value: Authorization, renewAt: now + 11 * 3600_000 });
    return Authorization;
  }

  async function deliver(job: Job): Promise<Outcome> {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    let authorization: string;
    try {
      authorization = vapidHeader(job.sub.endpoint);
      // Without vapidDetails web-push only encrypts (RFC 8291); the signed header is ours.
      details = webpush.generateRequestDetails({ endpoint: job.sub.endpoint, keys: { p256dh: job.sub.p256dh, auth: job.sub.auth } }, JSON.stringify(job.payload), {
        TTL: job.ttlS,
        urgency: job.urgency,
        ...(job.topic && { topic: job.topic }),
      });
    } catch (error) {
      return { delivered: false, status: null, error: `cannot encrypt for this subscription: ${(error as Error).message}` };
    }
    const headers: Record<string, string> = { Authorization: authorization };
    // fetch computes Content-Length itself.
    for (const [name, value] of Object.entries(details.headers)) if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
    if (job.raisedAt !== undefined) {
      stats.lastLatencyMs = clock() - job.raisedAt;
      deps.onAlarmPushSent?.(stats.lastLatencyMs);
    }
    try {
      const res = await send(details.endpoint, {
        method: 'POST',
        headers,
        body: details.body ? new Uint8Array(details.body) : undefined,
        // A push service never redirects; following one would let an endpoint point us elsewhere.
        redirect: 'error',
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(config.timeoutMs)]),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { delivered: true, status: res.status, error: null };
      return {
        delivered: false,
        status: res.status,
        error: `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after'), clock()),
      };
    } catch (error) {
      const e = error as Error;
      return { delivered: false, status: null, error: e.name === 'TimeoutError' ? `no answer within ${config.timeoutMs} ms` : e.message };
    }
  }

  function remove(sub: PushSubscriptionRecord, why: string): void {
    subs.delete(sub.id);
    repo.delete(sub.id);
    for (const key of gates.keys()) if (key.startsWith(`${sub.id}|`)) gates.delete(key);
    stats.removed++;
    log(`push: subscription ${sub.id} (user ${sub.userId}) deleted: ${why}`);
  }

  /** Sends one job and deals with the answer; returns it. */
  async function run(job: Job): Promise<Outcome> {
    const out = await deliver(job);
    const now = clock();
    const current = subs.get(job.sub.id);
    if (out.delivered) {
      stats.sent++;
      if (current) repo.recordResult(job.sub.id, { at: now, error: null });
      return out;
    }
    if (out.status === 404 || out.status === 410) {
      if (current) remove(current, `push service answered ${out.status} (the browser unsubscribed or the subscription expired)`);
      return out;
    }
    const retryable = out.status === null || out.status === 429 || out.status >= 500;
    if (retryable && job.attempt + 1 < config.maxAttempts && current && !stopping && !abort.signal.aborted) {
      stats.retried++;
      const backoff = 1000 * 2 ** job.attempt * (0.75 + Math.random() * 0.5);
      const delay = Math.min(config.maxRetryDelayMs, out.retryAfterMs ?? backoff);
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        const sub = subs.get(job.sub.id);
        if (sub && !stopping) enqueue({ ...job, sub, attempt: job.attempt + 1 });
      }, delay);
      timer.unref();
      retryTimers.add(timer);
      return out;
    }
    stats.failed++;
    if (current) repo.recordResult(job.sub.id, { at: now, error: out.error });
    log(`push: to subscription ${job.sub.id} failed after ${job.attempt + 1} attempt(s): ${out.error}`);
    return out;
  }

  function ownSubscription(userId: number, endpoint: string): PushSubscriptionRecord {
    const sub = repo.byEndpoint(endpoint);
    if (!sub || sub.userId !== userId) throw new NotFoundError('no such subscription of yours', { field: 'endpoint' });
    return sub;
  }

  const service: PushService = {
    publicKey() {
      if (!keys) throw new UnavailableError('push is not started');
      return keys.publicKey;
    },
    list: (userId) => [...subs.values()].filter((s) => s.userId === userId).map(view),
    subscribe(userId, input) {
      const problem = endpointProblem(input.endpoint, config.allowLoopbackHttp);
      if (problem) throw new ValidationError(`subscription.endpoint ${problem}`, { field: 'subscription.endpoint' });
      const unknown = input.lines?.findIndex((l) => !lineIds.has(l)) ?? -1;
      if (unknown >= 0) throw new ValidationError(`no line "${input.lines![unknown]}"`, { field: `preferences.lines[${unknown}]` });
      const sub = repo.upsert(
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
      subs.set(sub.id, sub);
      return view(sub);
    },
    unsubscribe(userId, endpoint) {
      const sub = ownSubscription(userId, endpoint);
      subs.delete(sub.id);
      repo.delete(sub.id);
    },
    async test(userId, endpoint) {
      const sub = ownSubscription(userId, endpoint);
      if (!keys || stopping) throw new UnavailableError('push is not running');
      return run({ sub, payload: testPayload(clock()), ttlS: 300, urgency: 'normal', rank: 0, attempt: config.maxAttempts - 1 });
    },
  };

  return {
    service,
    start() {
      keys = resolveVapidKeys(repo, { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey }, log);
      for (const sub of repo.all()) subs.set(sub.id, sub);
      unsubscribeHub = deps.hub.subscribe(onHubEvent);
    },
    stop() {
      stopping ??= (async () => {
        unsubscribeHub?.();
        for (const t of summaryTimers.values()) clearTimeout(t);
        for (const t of retryTimers) clearTimeout(t);
        const held = [...gates.values()].reduce((n, g) => n + g.held.length, 0);
        if (held > 0) log(`push: ${held} held alarms not summarised at stop`);
        if (inFlight > 0 || queue.length > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => idle.add(resolve)),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, config.stopGraceMs))),
          ]);
          clearTimeout(timer);
        }
        if (queue.length > 0) log(`push: ${queue.length} pushes not sent at stop`);
        queue.length = 0;
        abort.abort();
        while (inFlight > 0) await new Promise<void>((resolve) => idle.add(resolve));
      })();
      return stopping;
    },
    stats: () => ({ subscriptions: subs.size, queued: queue.length, inFlight, ...stats }),
  };
}

/** The runtime's push surface for route handlers: the service, with subscribe and unsubscribe audited. */
export interface PushApi {
  publicKey(): string;
  list(userId: number): PushSubscriptionView[];
  subscribe(userId: number, input: SubscribeInput, actor: { username: string; ip: string }): PushSubscriptionView;
  unsubscribe(userId: number, endpoint: string, actor: { username: string; ip: string }): void;
  test(userId: number, endpoint: string): Promise<PushDelivery>;
  stats(): PushStats;
}
