import type { AlarmPriority } from '../alarms/alarm-types.ts';
import type { AlarmSummary } from './alarm-store.ts';
import type { ConnectionState } from './live-connection.ts';

/**
 * What the alarm banner says, from the tab's alarm summary and the state of its live stream:
 * - `unknown`: the stream is offline (or open, but the server's live bus is down), so nothing can be known now (the last known counts follow);
 * - `checking`: no snapshot or list yet;
 * - `unacked`: alarms wait for an acknowledgement (count, highest priority);
 * - `acked`: alarms are active, all acknowledged — never "no alarms" while one is active;
 * - `suppressed`: nothing active, but alarms are shelved or out of service;
 * - `clear`: no active, unacknowledged or suppressed alarm.
 */
export type BannerKind = 'unknown' | 'checking' | 'unacked' | 'acked' | 'suppressed' | 'clear';

export interface BannerState {
  kind: BannerKind;
  /** The words of the state, e.g. `3 unacknowledged`, `1 active, acknowledged`. */
  text: string;
  /** The highest priority concerned (unacked, acked), else null. */
  priority: AlarmPriority | null;
  /** A second, quieter part: `2 shelved`, `last known: 1 unacknowledged`; empty when none. */
  detail: string;
}

const priorities: readonly AlarmPriority[] = ['critical', 'high', 'medium', 'low'];

function suppressedText(s: Pick<AlarmSummary, 'suppressed' | 'shelved'>): string {
  const out = s.suppressed - s.shelved;
  const parts = [s.shelved > 0 ? `${s.shelved} shelved` : '', out > 0 ? `${out} out of service` : ''].filter(Boolean);
  return parts.join(', ');
}

/** The counts of a summary, for the banner's main words or its "last known" detail. */
function countsText(s: AlarmSummary): string {
  if (s.unackedTotal > 0) return `${s.unackedTotal} unacknowledged`;
  if (s.active > 0) return `${s.active} active, acknowledged`;
  if (s.suppressed > 0) return suppressedText(s);
  return 'no active alarms';
}

export function bannerState(s: AlarmSummary, connection: ConnectionState): BannerState {
  if (connection === 'offline' || connection === 'interrupted') {
    const why = connection === 'offline' ? 'offline' : 'no live data';
    return { kind: 'unknown', text: `Alarms unknown (${why})`, priority: null, detail: s.known ? `last known: ${countsText(s)}` : '' };
  }
  if (!s.known) return { kind: 'checking', text: 'Checking alarms…', priority: null, detail: '' };
  if (s.unackedTotal > 0) {
    const top = priorities.find((p) => s.unacked[p] > 0) ?? null;
    return { kind: 'unacked', text: countsText(s), priority: top, detail: suppressedText(s) };
  }
  if (s.active > 0) return { kind: 'acked', text: countsText(s), priority: s.newest?.priority ?? null, detail: suppressedText(s) };
  if (s.suppressed > 0) return { kind: 'suppressed', text: suppressedText(s), priority: null, detail: 'none active' };
  return { kind: 'clear', text: 'No active alarms', priority: null, detail: '' };
}
