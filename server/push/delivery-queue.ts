import type { PushDelivery } from '../../lib/push/push-types.ts';
import type { PushSubscriptionRecord } from '../storage/store.ts';
import { createRankedQueue } from './ranked-queue.ts';
import { pushRequest, type PushMessage, type PushRequest } from './push-request.ts';
import { afterAttempt, retryAfterMs } from './retry-policy.ts';
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

export interface DeliveryOptions {
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
}

export const defaultDeliveryOptions: DeliveryOptions = {
  concurrency: 4,
  maxQueue: 1000,
  timeoutMs: 10_000,
  maxAttempts: 4,
  maxRetryDelayMs: 60_000,
  stopGraceMs: 2000,
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
  log: Logger;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
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
  /** Queues a push; it leaves when a connection is free, highest priority first. Ignored once stopping. */
  enqueue(job: PushJob): void;
  /** Sends one push now, past the queue and without retries, and returns the push service's answer. */
  sendNow(job: PushJob): Promise<PushDelivery>;
  /** Takes no more pushes, lets queued ones go for `stopGraceMs`, aborts the rest. A second call returns the same promise. */
  stop(): Promise<void>;
  stats(): DeliveryStats;
}

type Outcome = PushDelivery & { retryAfterMs?: number };

/** Encryption work per event-loop turn before the requests started so far may leave, ms. */
const turnBudgetMs = 3;

/**
 * Sends pushes (RFC 8030/8291/8292) with `web-push`'s request details over `fetch`, at most
 * `concurrency` at once: 404/410 report the subscription gone, 429, 5xx and network errors
 * are retried with backoff (honouring Retry-After), anything else fails.
 */
export function createDeliveryQueue(deps: DeliveryQueueDeps, options: Partial<DeliveryOptions> = {}): DeliveryQueue {
  const o: DeliveryOptions = { ...defaultDeliveryOptions, ...options };
  const { log } = deps;
  const clock = deps.now ?? Date.now;
  const send = deps.fetch ?? fetch;
  const queue = createRankedQueue<PushJob>(o.maxQueue);
  const retryTimers = new Set<NodeJS.Timeout>();
  /** Resolved when nothing is queued or in flight. */
  const idle = new Set<() => void>();
  const abort = new AbortController();
  let inFlight = 0;
  let pumpScheduled = false;
  let stopping: Promise<void> | undefined;
  const stats = { sent: 0, failed: 0, retried: 0, dropped: 0, lastLatencyMs: null as number | null };

  function enqueue(job: PushJob): void {
    if (stopping !== undefined) return;
    if (queue.push(job, job.rank) !== undefined) {
      stats.dropped++;
      if (stats.dropped === 1 || stats.dropped % 100 === 0)
        log.warn({ maxQueue: o.maxQueue, dropped: stats.dropped }, 'push queue full: pushes dropped so far, lowest priority first');
    }
    pump();
  }

  /**
   * Starts jobs on a later turn of the event loop, a few milliseconds' worth per turn: each
   * start encrypts synchronously, and requests only leave when the turn ends, so the first
   * device's push should not wait for the tenth's encryption (nor the alarm engine for any).
   */
  function pump(): void {
    if (pumpScheduled || inFlight >= o.concurrency || queue.size === 0) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      const turnStart = performance.now();
      while (inFlight < o.concurrency && performance.now() - turnStart < turnBudgetMs) {
        const job = queue.shift();
        if (!job) break;
        inFlight++;
        void run(job, true).finally(() => {
          inFlight--;
          pump();
          if (inFlight === 0 && queue.size === 0) {
            for (const resolve of idle) resolve();
            idle.clear();
          }
        });
      }
      pump();
    });
  }

  /** One attempt: encrypt, sign, POST; the push service's answer (never throws). */
  async function deliver(job: PushJob): Promise<Outcome> {
    let request: PushRequest;
    try {
      request = pushRequest(job, deps.authorization(job.sub.endpoint));
    } catch (error) {
      return { delivered: false, status: null, error: `cannot encrypt for this subscription: ${(error as Error).message}` };
    }
    if (job.raisedAt !== undefined) {
      stats.lastLatencyMs = clock() - job.raisedAt;
      deps.onAlarmPushSent?.(stats.lastLatencyMs);
    }
    try {
      const res = await send(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        // A push service never redirects; following one would let an endpoint point us elsewhere.
        redirect: 'error',
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(o.timeoutMs)]),
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
      return { delivered: false, status: null, error: e.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : e.message };
    }
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

  /** Sends one job and acts on the verdict; returns the push service's answer. */
  async function run(job: PushJob, retries: boolean): Promise<Outcome> {
    const out = await deliver(job);
    const verdict = afterAttempt(out, job.attempt, retries ? o : { ...o, maxAttempts: job.attempt + 1 });
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
      log.warn({ subscription: job.sub.id, attempts: job.attempt + 1, reason: error }, 'push failed');
    }
    return out;
  }

  return {
    enqueue,
    async sendNow(job) {
      const { delivered, status, error } = await run(job, false);
      return { delivered, status, error };
    },
    stop() {
      stopping ??= (async () => {
        for (const t of retryTimers) clearTimeout(t);
        retryTimers.clear();
        if (inFlight > 0 || queue.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([new Promise<void>((resolve) => idle.add(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, o.stopGraceMs)))]);
          clearTimeout(timer);
        }
        const unsent = queue.clear();
        if (unsent > 0) log.warn({ unsent }, 'pushes not sent at stop');
        abort.abort();
        while (inFlight > 0) await new Promise<void>((resolve) => idle.add(resolve));
      })();
      return stopping;
    },
    stats: () => ({ queued: queue.size, inFlight, ...stats }),
  };
}
