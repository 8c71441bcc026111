import type { PushDelivery } from '../../lib/push/push-types.ts';
import type { PushSubscriptionRecord } from '../storage/store.ts';
import { afterResult, breakerSlots, defaultBreakerOptions, isOriginFailure, type BreakerOptions } from './origin-breaker.ts';
import { createLanes, type Lane } from './origin-lanes.ts';
import { attempt, type Outcome } from './push-attempt.ts';
import type { PushPost } from './push-http.ts';
import type { PushMessage } from './push-request.ts';
import { afterAttempt } from './retry-policy.ts';
import type { Logger } from '../log/logger.ts';

/** One push message for one device, as it waits in the queue. */
export interface PushJob extends PushMessage {
  sub: PushSubscriptionRecord;
  /** priorityRank: lower goes first. */
  rank: number;
  /** 0 on the first try. */
  attempt: number;
  /** Epoch ms of the alarm transition, for the latency figure. */
  raisedAt?: number;
}

/**
 * Every push service (endpoint origin) has its own queue, connections and circuit breaker
 * (origin-lanes.ts): one that hangs or fails holds only its own, and never delays another.
 */
export interface DeliveryOptions {
  /** Push requests in flight at once to one push service (origin). Default 4. */
  concurrency: number;
  /** Pushes waiting for one push service at most; past it the lowest priority of the user holding the most waits no more (dropped, counted). Default 1000. */
  maxQueue: number;
  /** One request's time limit, ms. Default 10 000. */
  timeoutMs: number;
  /** Tries per push for 429, 5xx and network errors. Default 4. */
  maxAttempts: number;
  /** Longest wait before a retry (also caps Retry-After), ms. Default 60 000. */
  maxRetryDelayMs: number;
  /** How long `stop()` lets queued pushes go out before aborting them, ms. Default 2000. */
  stopGraceMs: number;
  /** When a push service that keeps failing is paused, and for how long; see origin-breaker.ts. */
  breaker: BreakerOptions;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  concurrency: 4,
  maxQueue: 1000,
  timeoutMs: 10_000,
  maxAttempts: 4,
  maxRetryDelayMs: 60_000,
  stopGraceMs: 2000,
  breaker: defaultBreakerOptions,
};

/** A push's final result, for its subscription. */
export type DeliveryResult = { kind: 'sent' } | { kind: 'gone'; status: number } | { kind: 'failed'; error: string };

export interface DeliveryQueueDeps {
  /** The VAPID Authorization header for a push to `endpoint`. */
  authorization(endpoint: string): string;
  /** The subscription as stored now, undefined once deleted: a retry uses its current keys, and a deleted one gets none. */
  current(subId: number): PushSubscriptionRecord | undefined;
  /** A push's final result; not called when its subscription was deleted meanwhile. */
  settled(sub: PushSubscriptionRecord, result: DeliveryResult): void;
  /** Sends one request (push-http.ts). */
  post: PushPost;
  /** Why the server will not send to `endpoint` now, or null; checked before every attempt. */
  endpointProblem?(endpoint: string): string | null;
  log: Logger;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** An alarm push leaves for the push service, `ms` after its alarm transition. */
  onAlarmPushSent?: (ms: number) => void;
}

export interface DeliveryStats {
  queued: number;
  inFlight: number;
  sent: number;
  failed: number;
  retried: number;
  dropped: number;
  /** Alarm transition → its push request leaving, ms, of the latest alarm push. */
  lastLatencyMs: number | null;
}

export interface DeliveryQueue {
  /** Queues a push; it leaves when its push service has a free connection, highest priority first, users taking turns. Ignored once stopping. */
  enqueue(job: PushJob): void;
  /** Sends one push now, past the queue and without retries, and returns the push service's answer (at once, without a request, when that service is paused). */
  sendNow(job: PushJob): Promise<PushDelivery>;
  /** Takes no more pushes, lets queued ones go for `stopGraceMs`, aborts the rest. A second call returns the same promise. */
  stop(): Promise<void>;
  stats(): DeliveryStats;
}

/** Encryption work per event-loop turn before the requests started so far may leave, ms. */
const turnBudgetMs = 3;

/**
 * Sends pushes (RFC 8030/8291/8292) with `web-push`'s request details: 404/410 report the
 * subscription gone, 429, 5xx and network errors are retried with backoff (honouring
 * Retry-After), anything else fails.
 */
export function createDeliveryQueue(deps: DeliveryQueueDeps, options: Partial<DeliveryOptions> = {}): DeliveryQueue {
  const o: DeliveryOptions = { ...defaultDeliveryOptions, ...options, breaker: { ...defaultBreakerOptions, ...options.breaker } };
  const { log } = deps;
  const clock = deps.now ?? Date.now;
  const lanes = createLanes<PushJob>(o.maxQueue);
  const retryTimers = new Set<NodeJS.Timeout>();
  /** Resolved when nothing is queued or in flight. */
  const idle = new Set<() => void>();
  const abort = new AbortController();
  let inFlight = 0;
  let pumpScheduled = false;
  /** Pumps again when the earliest pause of a push service with pushes waiting is over. */
  let wake: { at: number; timer: NodeJS.Timeout } | undefined;
  let stopping: Promise<void> | undefined;
  const stats = { sent: 0, failed: 0, retried: 0, dropped: 0, lastLatencyMs: null as number | null };

  function enqueue(job: PushJob): void {
    if (stopping !== undefined) return;
    const lane = lanes.of(job.sub.endpoint);
    if (lane.queue.push(job, job.rank, job.sub.userId) !== undefined) {
      stats.dropped++;
      if (stats.dropped === 1 || stats.dropped % 100 === 0)
        log.warn({ origin: lane.origin, maxQueue: o.maxQueue, dropped: stats.dropped }, 'push queue full: pushes dropped so far, lowest priority first');
    }
    pump();
  }

  /**
   * Starts jobs on a later turn of the event loop, a few milliseconds' worth per turn: each
   * start encrypts synchronously, and requests only leave when the turn ends, so the first
   * device's push should not wait for the tenth's encryption (nor the alarm engine for any).
   */
  function pump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      const turnStart = performance.now();
      for (let next = lanes.take(clock(), o.concurrency); next; next = lanes.take(clock(), o.concurrency)) {
        start(next.lane, next.item);
        if (performance.now() - turnStart >= turnBudgetMs) return pump();
      }
      wakeAt(lanes.nextWake(clock()));
    });
  }

  function wakeAt(at: number | null): void {
    if (at === null || stopping !== undefined || (wake && wake.at <= at)) return;
    clearTimeout(wake?.timer);
    const timer = setTimeout(() => {
      wake = undefined;
      pump();
    }, at - clock());
    timer.unref();
    wake = { at, timer };
  }

  function start(lane: Lane<PushJob>, job: PushJob): void {
    lane.inFlight++;
    inFlight++;
    void run(job, true, lane).finally(() => {
      lane.inFlight--;
      inFlight--;
      lanes.release(lane);
      pump();
      if (inFlight === 0 && lanes.queued() === 0) {
        for (const resolve of idle) resolve();
        idle.clear();
      }
    });
  }

  function retryLater(job: PushJob, delayMs: number): void {
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      const sub = deps.current(job.sub.id);
      if (sub) enqueue({ ...job, sub, attempt: job.attempt + 1 });
    }, delayMs);
    timer.unref();
    retryTimers.add(timer);
  }

  /** Feeds the answer to the lane's breaker; logs when it pauses or resumes the push service. */
  function judge(lane: Lane<PushJob>, out: Outcome): void {
    if (out.refused) return;
    const step = afterResult(lane.breaker, isOriginFailure(out.status), clock(), o.breaker);
    lane.breaker = step.state;
    if (step.change?.kind === 'paused')
      log.warn({ origin: lane.origin, failures: step.state.failures, pauseMs: step.change.ms, reason: out.error }, 'push service paused: it keeps failing');
    else if (step.change?.kind === 'resumed') log.info({ origin: lane.origin }, 'push service answers again');
  }

  /** Sends one job and acts on the verdict; returns the push service's answer. */
  async function run(job: PushJob, retries: boolean, lane: Lane<PushJob>): Promise<Outcome> {
    const out = await attempt(job, {
      authorization: deps.authorization,
      post: deps.post,
      endpointProblem: deps.endpointProblem,
      abort: abort.signal,
      timeoutMs: o.timeoutMs,
      now: clock,
      onRequest() {
        if (job.raisedAt === undefined) return;
        stats.lastLatencyMs = clock() - job.raisedAt;
        deps.onAlarmPushSent?.(stats.lastLatencyMs);
      },
    });
    judge(lane, out);
    const last = !retries || out.refused;
    const verdict = afterAttempt(out, job.attempt, last ? { ...o, maxAttempts: job.attempt + 1 } : o);
    const current = deps.current(job.sub.id);
    if (verdict.kind === 'sent') {
      stats.sent++;
      if (current) deps.settled(current, { kind: 'sent' });
    } else if (verdict.kind === 'gone') {
      if (current) deps.settled(current, { kind: 'gone', status: out.status ?? 0 });
    } else if (verdict.kind === 'retry' && current && !stopping) {
      stats.retried++;
      retryLater(job, verdict.delayMs);
    } else {
      const error = out.error ?? 'not delivered';
      stats.failed++;
      if (current) deps.settled(current, { kind: 'failed', error });
      log.warn(
        { subscription: job.sub.id, origin: lane.origin, attempts: job.attempt + 1, reason: error, ...(out.detail && { detail: out.detail }) },
        'push failed',
      );
    }
    return out;
  }

  return {
    enqueue,
    async sendNow(job) {
      const lane = lanes.of(job.sub.endpoint);
      const now = clock();
      if (breakerSlots(lane.breaker, now, 1) === 0) {
        const s = Math.ceil((lane.breaker.pausedUntil! - now) / 1000);
        return { delivered: false, status: null, error: `the push service keeps failing: paused, next try in ${s} s` };
      }
      const { delivered, status, error } = await run(job, false, lane);
      lanes.release(lane);
      return { delivered, status, error };
    },
    stop() {
      stopping ??= (async () => {
        for (const t of retryTimers) clearTimeout(t);
        retryTimers.clear();
        clearTimeout(wake?.timer);
        if (inFlight > 0 || lanes.queued() > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([new Promise<void>((resolve) => idle.add(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, o.stopGraceMs)))]);
          clearTimeout(timer);
        }
        const unsent = lanes.clear();
        if (unsent > 0) log.warn({ unsent }, 'pushes not sent at stop');
        abort.abort();
        while (inFlight > 0) await new Promise<void>((resolve) => idle.add(resolve));
      })();
      return stopping;
    },
    stats: () => ({ queued: lanes.queued(), inFlight, ...stats }),
  };
}
