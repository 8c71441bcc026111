import type { ReactNode } from 'react';
import type { AlarmKind, AlarmPriority, AlarmStateName, AlarmView } from '../../lib/alarms/alarm-types.ts';
import { formatValue } from '../../lib/client/format.ts';

/**
 * Alarm priorities and states as HMI habits want them (ISA-101, EEMUA 191): each priority
 * has its own colour AND shape AND number AND word, so it reads in greyscale, with colour
 * blindness and at a glance; alarm colours are used for alarms only. States are words with
 * an icon. The badge colours carry their own text colour (contrast ≥ 4.5:1 in both themes).
 */

export const priorityStyle: Record<AlarmPriority, { label: string; number: number; bg: string; fg: string }> = {
  critical: { label: 'Critical', number: 1, bg: '#b3261e', fg: '#ffffff' },
  high: { label: 'High', number: 2, bg: '#e8710a', fg: '#000000' },
  medium: { label: 'Medium', number: 3, bg: '#f9d71c', fg: '#000000' },
  low: { label: 'Low', number: 4, bg: '#7cc4ee', fg: '#000000' },
};

/**
 * Octagon (filled: the one to see first), triangle, square, circle — each with its priority
 * number. Drawn in the badge's text colour, so it sits on the priority's background. The
 * viewBox is as large as the icon's pixels (20), so the digit's font size is its size on
 * screen: 11 px, readable at arm's length.
 */
export function PriorityIcon({ priority, className = 'size-5' }: { priority: AlarmPriority; className?: string }) {
  const filled = priority === 'critical';
  const shapes: Record<AlarmPriority, ReactNode> = {
    critical: <path d="M6.3 1h7.4L19 6.3v7.4L13.7 19H6.3L1 13.7V6.3Z" />,
    high: <path d="M10 1 19.4 18.4H.6Z" />,
    medium: <rect x="1.8" y="1.8" width="16.4" height="16.4" rx="1.2" />,
    low: <circle cx="10" cy="10" r="8.6" />,
  };
  return (
    <svg viewBox="0 0 20 20" className={`inline-block shrink-0 ${className}`} aria-hidden="true" focusable="false">
      <g fill={filled ? 'currentColor' : 'none'} stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
        {shapes[priority]}
      </g>
      <text
        x="10"
        y={priority === 'high' ? 16.8 : 14}
        textAnchor="middle"
        fontSize="11"
        fontWeight="700"
        fill={filled ? priorityStyle[priority].bg : 'currentColor'}
        fontFamily="system-ui, sans-serif"
      >
        {priorityStyle[priority].number}
      </text>
    </svg>
  );
}

export function PriorityBadge({ priority, count }: { priority: AlarmPriority; count?: number }) {
  const s = priorityStyle[priority];
  return (
    <span
      className="inline-flex min-h-7 items-center gap-1 rounded px-1.5 text-sm font-bold whitespace-nowrap"
      style={{ background: s.bg, color: s.fg }}
      data-priority={priority}
      data-count={count}
    >
      <PriorityIcon priority={priority} />
      {count !== undefined ? (
        <>
          <span className="tabular-nums">{count}</span>
          <span>{s.label}</span>
        </>
      ) : (
        s.label
      )}
    </span>
  );
}

const stateStyle: Record<AlarmStateName, { label: string; strong: boolean }> = {
  'unack-active': { label: 'Unacknowledged', strong: true },
  'ack-active': { label: 'Acknowledged', strong: false },
  'rtn-unack': { label: 'Returned, unacknowledged', strong: true },
  normal: { label: 'Normal', strong: false },
  shelved: { label: 'Shelved', strong: false },
  'out-of-service': { label: 'Out of service', strong: false },
};

export function stateLabel(state: AlarmStateName): string {
  return stateStyle[state].label;
}

/** Bell (filled when it needs an acknowledgement), return arrow, shelf, wrench. */
export function StateIcon({ state }: { state: AlarmStateName }) {
  const bell = 'M8 1.8a4 4 0 0 0-4 4v2.6L2.6 11h10.8L12 8.4V5.8a4 4 0 0 0-4-4Z';
  const icons: Record<AlarmStateName, ReactNode> = {
    'unack-active': (
      <>
        <path d={bell} fill="currentColor" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
        <path d="M6.4 13a1.6 1.6 0 0 0 3.2 0" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </>
    ),
    'ack-active': (
      <>
        <path d={bell} fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
        <path d="M6.4 13a1.6 1.6 0 0 0 3.2 0" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </>
    ),
    'rtn-unack': (
      <path d="M6 3.5 2.5 7 6 10.5M3 7h6.5a4 4 0 0 1 0 8H8" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    ),
    normal: <path d="m3 8.5 3.2 3.2L13 4.8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />,
    shelved: <path d="M2 5h12M2 11h12M4 5V2.5h4V5M9 11V7.5h4V11" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />,
    'out-of-service': (
      <>
        <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.8" />
        <path d="m3.8 3.8 8.4 8.4" stroke="currentColor" strokeWidth="1.8" />
      </>
    ),
  };
  return (
    <svg viewBox="0 0 16 16" className="inline-block size-4 shrink-0" aria-hidden="true" focusable="false">
      {icons[state]}
    </svg>
  );
}

export function AlarmStateBadge({ state }: { state: AlarmStateName }) {
  const s = stateStyle[state];
  return (
    <span
      className={`inline-flex min-h-7 items-center gap-1.5 rounded px-2 text-sm whitespace-nowrap ${s.strong ? 'border-2 border-fg font-bold' : 'border border-edge-soft font-semibold'}`}
      data-alarm-state={state}
    >
      <StateIcon state={state} />
      {s.label}
    </span>
  );
}

const kindLabel: Record<AlarmKind, string> = { hihi: 'HIHI', hi: 'HI', lo: 'LO', lolo: 'LOLO', discrete: 'State', comm: 'Comm loss' };

export function kindName(kind: AlarmKind): string {
  return kindLabel[kind];
}

/** `≥ 220.0 °C` for a HI limit, `≤ 15 %` for LO; the alarm state of a bool; `no good read` for comm loss. */
export function limitText(a: Pick<AlarmView, 'kind' | 'limit' | 'decimals' | 'unit'>): string {
  if (a.kind === 'comm') return 'no tag read good';
  if (a.limit === null) return 'On';
  const op = a.kind === 'hi' || a.kind === 'hihi' ? '≥' : '≤';
  return `${op} ${formatValue(a.limit, a.decimals)}${a.unit ? ` ${a.unit}` : ''}`;
}

/** A value as the alarm shows it: with unit; bools as On/Off; comm as Lost/OK. */
export function alarmValueText(a: Pick<AlarmView, 'kind' | 'decimals' | 'unit'>, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (a.kind === 'comm') return value ? 'Lost' : 'OK';
  if (a.kind === 'discrete') return value ? 'On' : 'Off';
  return `${formatValue(value, a.decimals)}${a.unit ? ` ${a.unit}` : ''}`;
}
