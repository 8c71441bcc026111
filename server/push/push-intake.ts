import { annunciates, priorityRank, type AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { PushJob } from './delivery-queue.ts';
import { isOver, offer, takeSummary, type FloodOptions, type FloodState } from './flood-gate.ts';
import { alarmPayload, deliveryByPriority, summaryPayload, topicOf } from './push-payload.ts';
import { wants, type PushSubscriptions } from './push-subscriptions.ts';

export interface PushIntakeDeps {
  subscriptions: Pick<PushSubscriptions, 'size' | 'get' | 'audience'>;
  /** Where the pushes go (the delivery queue). */
  enqueue(job: PushJob): void;
  /** A line's display name by id. */
  lineName(line: string): string;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

export interface PushIntake {
  /** Takes an alarm transition; only queues it, since the alarm engine publishes synchronously and must not wait on us. */
  take(event: AlarmEventPayload): void;
  /** Drops a deleted subscription's flood state and pending summaries. */
  forget(subId: number): void;
  /** Takes nothing more and cancels pending summaries; returns how many held alarms they would have summed up. */
  stop(): number;
}

const gateKey = (subId: number, line: string) => `${subId}|${line}`;

/**
 * From alarm transitions to pushes: on a later tick, which devices want each alarm (their
 * lines and minimum priority, owner still enabled), then flood control per device and line
 * (see flood-gate.ts): the first alarms go out one by one, the rest as one summary per
 * `summaryDelayMs`, sent by a timer.
 */
export function createPushIntake(deps: PushIntakeDeps, flood: FloodOptions): PushIntake {
  const { subscriptions, enqueue } = deps;
  const clock = deps.now ?? Date.now;
  let pending: AlarmEventPayload[] = [];
  let scheduled = false;
  let stopped = false;
  const gates = new Map<string, FloodState>();
  const summaryTimers = new Map<string, NodeJS.Timeout>();

  function take(event: AlarmEventPayload): void {
    if (stopped || !annunciates(event.entry) || subscriptions.size() === 0) return;
    pending.push(event);
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => void processPending());
    }
  }

  async function processPending(): Promise<void> {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (stopped) return;
    const now = clock();
    const audience = await subscriptions.audience();
    if (stopped) return;
    for (const event of batch) {
      for (const { sub, canAck } of audience) {
        if (!wants(sub, event.alarm)) continue;
        const key = gateKey(sub.id, event.line);
        const step = offer(gates.get(key), { id: event.alarm.id, message: event.entry.message, priority: event.alarm.priority }, now, flood);
        gates.set(key, step.state);
        if (step.action === 'hold') {
          armSummary(sub.id, event.line, step.state.summaryAt!);
          continue;
        }
        const delivery = deliveryByPriority[event.alarm.priority];
        enqueue({
          sub,
          payload: alarmPayload(event, deps.lineName(event.line), canAck),
          ttlS: delivery.ttlS,
          urgency: delivery.urgency,
          topic: topicOf(`alarm:${event.alarm.id}`),
          rank: priorityRank[event.alarm.priority],
          attempt: 0,
          raisedAt: event.entry.ts,
        });
      }
    }
    for (const [key, state] of gates) if (isOver(state, now, flood)) gates.delete(key);
  }

  /**
   * Sends the summary of one device's flood on one line at `at`. The timer decides that it is
   * due, not a second read of the clock: a Node timer may fire a millisecond early by
   * Date.now() (TOOLCHAIN.md), and a summary then found "not yet due" was lost for good. When
   * the gate has moved its due time meanwhile (a new flood began), the timer is set again.
   */
  function armSummary(subId: number, line: string, at: number): void {
    const key = gateKey(subId, line);
    if (summaryTimers.has(key)) return;
    const timer = setTimeout(
      () => {
        summaryTimers.delete(key);
        const state = gates.get(key);
        const sub = subscriptions.get(subId);
        if (!state || !sub) return;
        const now = Math.max(clock(), at);
        const summary = takeSummary(state, now);
        if (!summary) {
          if (state.summaryAt !== null && state.summaryAt > now) armSummary(subId, line, state.summaryAt);
          return;
        }
        gates.set(key, summary.state);
        const delivery = deliveryByPriority[summary.top];
        enqueue({
          sub,
          payload: summaryPayload(line, deps.lineName(line), summary.count, summary.top, summary.newest, now),
          ttlS: delivery.ttlS,
          urgency: delivery.urgency,
          // One summary per line on the device: a newer one replaces the older while undelivered.
          topic: topicOf(`flood:${line}`),
          rank: priorityRank[summary.top],
          attempt: 0,
        });
      },
      Math.max(0, at - clock()),
    );
    timer.unref();
    summaryTimers.set(key, timer);
  }

  return {
    take,
    forget(subId) {
      const prefix = `${subId}|`;
      for (const key of gates.keys()) if (key.startsWith(prefix)) gates.delete(key);
      for (const [key, timer] of summaryTimers) {
        if (!key.startsWith(prefix)) continue;
        clearTimeout(timer);
        summaryTimers.delete(key);
      }
    },
    stop() {
      stopped = true;
      pending = [];
      for (const timer of summaryTimers.values()) clearTimeout(timer);
      summaryTimers.clear();
      return [...gates.values()].reduce((n, g) => n + g.held.length, 0);
    },
  };
}
