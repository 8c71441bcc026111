import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { PushDelivery, PushSubscriptionView } from '../../lib/push/push-types.ts';
import type { HubEvent } from '../../lib/types.ts';
import { ConfigError, UnavailableError } from '../../lib/errors.ts';
import type { Hub } from '../hub/hub.ts';
import type { PushRepository, PushSubscriptionRecord, UserRepository, VapidKeys } from '../storage/store.ts';
import { defaultFloodOptions, type FloodOptions } from './flood-gate.ts';
import { createDeliveryQueue, defaultDeliveryOptions, type DeliveryOptions, type DeliveryResult } from './delivery-queue.ts';
import { endpointProblem, type EndpointPolicy, type HostPattern, parseHostPattern } from './endpoint-policy.ts';
import { createPushHttp, type PushPost } from './push-http.ts';
import { createPushIntake } from './push-intake.ts';
import { testPayload } from './push-payload.ts';
import { createPushSubscriptions, defaultMaxSubscriptionsPerUser, type SubscribeInput } from './push-subscriptions.ts';
import type { Resolver } from './public-address.ts';
import { createTestSendGate, defaultTestSendLimits, type TestSendLimits } from './test-send-gate.ts';
import { createVapidSigner, resolveVapidKeys, type VapidSigner } from './vapid.ts';
import type { Logger } from '../log/logger.ts';

export type { SubscribeInput } from './push-subscriptions.ts';

/** Queues, retries, breakers and stop grace are documented with their defaults in `DeliveryOptions`. */
export interface PushConfig extends DeliveryOptions {
  /** VAPID public key (base64url, 65 bytes); with `vapidPrivateKey`, wins over the stored pair. */
  vapidPublicKey?: string;
  vapidPrivateKey?: string;
  /** Contact the push services may use (RFC 8292 `sub`). Default `mailto:linewatch@example.invalid`. */
  vapidSubject: string;
  /**
   * Push service hosts allowed besides the known ones (endpoint-policy.ts): `push.example.com`,
   * `*.example.net`, optionally with `:port` (default 443). Default none.
   */
  allowedHosts: string[];
  /** Devices one user may have subscribed; one more is refused (409). Default 10. */
  maxDevicesPerUser: number;
  /** "Send test": one at a time per user, at most `perWindow` per `windowMs`. */
  testSends: TestSendLimits;
  /**
   * TEST ONLY — never set from the environment: also accept `http://` endpoints on 127.0.0.1,
   * [::1] and localhost, where a test's capture server listens. Default false.
   */
  allowLoopbackHttp: boolean;
  flood: FloodOptions;
}

export const defaultPushConfig: PushConfig = {
  ...defaultDeliveryOptions,
  vapidSubject: 'mailto:linewatch@example.invalid',
  allowedHosts: [],
  maxDevicesPerUser: defaultMaxSubscriptionsPerUser,
  testSends: defaultTestSendLimits,
  allowLoopbackHttp: false,
  flood: defaultFloodOptions,
};

/** Parses host patterns; ConfigError listing every one that is not. */
export function parseAllowedHosts(patterns: readonly string[]): HostPattern[] {
  const parsed = patterns.map(parseHostPattern);
  const problems = parsed.filter((p) => typeof p === 'string');
  if (problems.length > 0) throw new ConfigError(`push allowed hosts: ${problems.join('; ')}`, { problems });
  return parsed as HostPattern[];
}

export interface PushSenderDeps {
  /** Alarm transitions arrive as the hub's `alarm` events. */
  hub: Pick<Hub, 'subscribe'>;
  repo: PushRepository;
  /** Owner's role (may they acknowledge?) and whether they are still enabled. */
  users: Pick<UserRepository, 'byId'>;
  plant: Plant;
  log: Logger;
  /** Sends one push request. Default HTTPS to public addresses only (push-http.ts). */
  post?: PushPost;
  /** Host name → addresses for the default `post`. Default the system's. */
  resolve?: Resolver;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** An alarm push leaves for the push service, `ms` after its alarm transition. */
  onAlarmPushSent?: (ms: number) => void;
  /**
   * Reads the subscriptions again this often, ms: where devices subscribe through other
   * processes (a collector's sender, web instances' routes). Default: never (they come through here).
   */
  reloadSubscriptionsMs?: number;
}

/** What route handlers reach through the runtime. Every call is about the caller's own devices. */
export interface PushService {
  /** The VAPID public key browsers subscribe with (base64url). */
  publicKey(): string;
  list(userId: number): PushSubscriptionView[];
  /** Stores (or re-stores, with new keys and preferences) a device's subscription. */
  subscribe(userId: number, input: SubscribeInput): Promise<PushSubscriptionView>;
  /** NotFoundError (field `endpoint`) when it is not one of the user's devices. */
  unsubscribe(userId: number, endpoint: string): Promise<void>;
  /** Sends a test notification to one of the user's devices now and reports the push service's answer; LimitError (429) past the limits. */
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
  start(): Promise<void>;
  /** Stops listening, lets queued pushes go for `stopGraceMs`, aborts the rest. A second call returns the same promise. */
  stop(): Promise<void>;
  stats(): PushStats;
  /** The lines of a new plant version: their names in pushes, the ids preferences may name. */
  setPlant(plant: Plant): void;
}

/**
 * Web Push for alarms (RFC 8030/8291/8292), assembled from three parts: the subscribed
 * devices (push-subscriptions.ts), alarm events to pushes with flood control
 * (push-intake.ts), and the delivery queue that sends and retries (delivery-queue.ts).
 */
export function createPushSender(deps: PushSenderDeps, options: Partial<PushConfig> = {}): PushSender {
  const config: PushConfig = {
    ...defaultPushConfig,
    ...options,
    flood: { ...defaultFloodOptions, ...options.flood },
    breaker: { ...defaultPushConfig.breaker, ...options.breaker },
    testSends: { ...defaultTestSendLimits, ...options.testSends },
  };
  const { repo, log } = deps;
  const clock = deps.now ?? Date.now;
  const lineNames = new Map(deps.plant.lines.map((l) => [l.id, l.name]));
  const lineIds = new Set(lineNames.keys());

  let keys: VapidKeys | undefined;
  let signer: VapidSigner | undefined;
  let unsubscribeHub: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  let reloadTimer: NodeJS.Timeout | undefined;

  const policy: EndpointPolicy = { allowedHosts: parseAllowedHosts(config.allowedHosts), allowLoopbackHttp: config.allowLoopbackHttp };
  const http = deps.post ? undefined : createPushHttp({ allowLoopbackHttp: config.allowLoopbackHttp, resolve: deps.resolve });
  const testSends = createTestSendGate(config.testSends, clock);

  const subscriptions = createPushSubscriptions({ repo, users: deps.users, lineIds, log, now: clock }, { policy, maxPerUser: config.maxDevicesPerUser });
  const delivery = createDeliveryQueue(
    {
      authorization(endpoint) {
        if (!signer) throw new UnavailableError('push is not started');
        return signer.authorization(endpoint);
      },
      current: (id) => subscriptions.get(id),
      settled,
      post: deps.post ?? http!.post,
      // Checked again before every request: a subscription may predate the policy.
      endpointProblem: (endpoint) => endpointProblem(endpoint, policy),
      log,
      now: clock,
      onAlarmPushSent: deps.onAlarmPushSent,
    },
    config,
  );
  const intake = createPushIntake({ subscriptions, enqueue: delivery.enqueue, lineName: (line) => lineNames.get(line) ?? line, now: clock }, config.flood);

  function settled(sub: PushSubscriptionRecord, result: DeliveryResult): void {
    if (result.kind === 'gone') {
      subscriptions.remove(sub.id, `push service answered ${result.status} (the browser unsubscribed or the subscription expired)`);
      intake.forget(sub.id);
    } else {
      subscriptions.recordResult(sub.id, { at: clock(), error: result.kind === 'failed' ? result.error : null });
    }
  }

  function onHubEvent(e: HubEvent): void {
    if (e.event === 'alarm') intake.take(e.data as AlarmEventPayload);
  }

  const service: PushService = {
    publicKey() {
      if (!keys) throw new UnavailableError('push is not started');
      return keys.publicKey;
    },
    list: (userId) => subscriptions.list(userId),
    subscribe: (userId, input) => subscriptions.subscribe(userId, input),
    async unsubscribe(userId, endpoint) {
      intake.forget(await subscriptions.unsubscribe(userId, endpoint));
    },
    async test(userId, endpoint) {
      const sub = await subscriptions.own(userId, endpoint);
      if (!keys || stopping !== undefined) throw new UnavailableError('push is not running');
      return testSends.run(userId, () => delivery.sendNow({ sub, payload: testPayload(clock()), ttlS: 300, urgency: 'normal', rank: 0, attempt: 0 }));
    },
  };

  return {
    service,
    async start() {
      keys = await resolveVapidKeys(repo, { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey }, log);
      signer = createVapidSigner(keys, config.vapidSubject, clock);
      if (config.allowLoopbackHttp) log.warn('push: plain http to loopback endpoints is allowed (allowLoopbackHttp, a test-only setting)');
      await subscriptions.load();
      unsubscribeHub = deps.hub.subscribe(onHubEvent);
      if (deps.reloadSubscriptionsMs) {
        reloadTimer = setInterval(
          () => subscriptions.load().catch((error: unknown) => log.warn({ err: error }, 'could not read the push subscriptions again; next time')),
          deps.reloadSubscriptionsMs,
        );
        reloadTimer.unref();
      }
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(reloadTimer);
        unsubscribeHub?.();
        const held = intake.stop();
        if (held > 0) log.warn({ held }, 'held alarms not summarised at stop');
        await delivery.stop();
        http?.close();
      })();
      return stopping;
    },
    stats: () => ({ subscriptions: subscriptions.size(), removed: subscriptions.removed(), ...delivery.stats() }),
    setPlant(plant) {
      lineNames.clear();
      lineIds.clear();
      for (const l of plant.lines) {
        lineNames.set(l.id, l.name);
        lineIds.add(l.id);
      }
    },
  };
}

/** The runtime's push surface for route handlers: the service, with subscribe and unsubscribe audited. */
export interface PushApi {
  publicKey(): string;
  list(userId: number): PushSubscriptionView[];
  subscribe(userId: number, input: SubscribeInput, actor: { username: string; ip: string }): Promise<PushSubscriptionView>;
  unsubscribe(userId: number, endpoint: string, actor: { username: string; ip: string }): Promise<void>;
  test(userId: number, endpoint: string): Promise<PushDelivery>;
  stats(): PushStats;
}
