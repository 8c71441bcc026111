import { priorityRank, type AlarmPriority } from '../../lib/alarms/alarm-types.ts';

/**
 * Flood control for one device and one line, as a pure state machine. The first `burst`
 * alarms of a flood are notified one by one (the first alarm is what matters most: it goes
 * out at once); after that alarms are held and summed up in one notification at most every
 * `summaryDelayMs` ("12 new alarms on Line 2"). A flood lasts while alarms keep coming less
 * than `windowMs` apart.
 */

export interface FloodOptions {
  /** Quiet time that ends a flood, ms. Default 60 000. */
  windowMs: number;
  /** Alarms notified one by one at the start of a flood. Default 3. */
  burst: number;
  /** How long held alarms wait for a summary (more may join it), ms. Default 3000. */
  summaryDelayMs: number;
}

export const defaultFloodOptions: FloodOptions = { windowMs: 60_000, burst: 3, summaryDelayMs: 3000 };

export interface FloodAlarm {
  id: string;
  message: string;
  priority: AlarmPriority;
}

export interface FloodState {
  /** Time of the latest alarm. */
  lastAt: number;
  /** Alarms in this flood so far (notified or held). */
  count: number;
  /** Notified one by one. */
  sent: number;
  /** Highest priority in this flood so far. */
  top: AlarmPriority;
  /** Held since the last summary, newest last. */
  held: FloodAlarm[];
  /** When the next summary is due; null when nothing is held. */
  summaryAt: number | null;
}

const keepHeld = 5;

/** Takes one alarm: `send` it now, or `hold` it for the summary due at `state.summaryAt`. */
export function offer(state: FloodState | undefined, alarm: FloodAlarm, now: number, o: FloodOptions): { state: FloodState; action: 'send' | 'hold' } {
  if (!state || now - state.lastAt > o.windowMs) {
    return { state: { lastAt: now, count: 1, sent: 1, top: alarm.priority, held: [], summaryAt: null }, action: 'send' };
  }
  const count = state.count + 1;
  const top = priorityRank[alarm.priority] < priorityRank[state.top] ? alarm.priority : state.top;
  if (state.sent < o.burst && state.summaryAt === null) {
    return { state: { ...state, lastAt: now, count, top, sent: state.sent + 1 }, action: 'send' };
  }
  return {
    state: { ...state, lastAt: now, count, top, held: [...state.held, alarm].slice(-keepHeld), summaryAt: state.summaryAt ?? now + o.summaryDelayMs },
    action: 'hold',
  };
}

/** The summary when it is due (and the state after it), else null. */
export function takeSummary(state: FloodState, now: number): { state: FloodState; count: number; top: AlarmPriority; newest: FloodAlarm[] } | null {
  if (state.summaryAt === null || state.summaryAt > now || state.held.length === 0) return null;
  return { state: { ...state, held: [], summaryAt: null }, count: state.count, top: state.top, newest: [...state.held].reverse() };
}

/** Whether the flood is over and its state can go (nothing held). */
export function isOver(state: FloodState, now: number, o: FloodOptions): boolean {
  return state.summaryAt === null && now - state.lastAt > o.windowMs;
}
