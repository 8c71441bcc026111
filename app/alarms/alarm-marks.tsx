'use client';

import { useLineAlarms, useTagAlarms } from '../../lib/client/alarm-store.ts';
import { kindName, PriorityIcon, priorityStyle } from './alarm-badges.tsx';

/**
 * Marks for live views (line cards, the line view): which tags are in alarm, by priority
 * colour AND shape AND words. Render nothing when the tag or line has no alarm in service
 * that is active or unacknowledged. Attributes are `data-alarm-*` only, so they never clash
 * with the views' own `data-state` / `data-tag` hooks.
 */

/** The tag's most important alarm: `⚠ HI · unacknowledged`, `① HIHI`, … (+N when it has more). */
export function TagAlarmMark({ tag }: { tag: string }) {
  const alarms = useTagAlarms(tag);
  const a = alarms[0];
  if (!a) return null;
  const s = priorityStyle[a.priority];
  const unacked = a.state === 'unack-active' || a.state === 'rtn-unack';
  return (
    <span
      className={`inline-flex max-w-full min-h-6 items-center gap-1 rounded px-1.5 text-left text-sm leading-tight font-bold ${unacked ? 'outline-2 outline-offset-1 outline-fg' : ''}`}
      style={{ background: s.bg, color: s.fg }}
      data-alarm-mark={a.state}
      data-alarm-priority={a.priority}
      title={a.message}
    >
      <PriorityIcon priority={a.priority} />
      <span>
        {kindName(a.kind)} {a.active ? 'alarm' : 'returned'}
        {unacked ? ', unacknowledged' : ''}
        {alarms.length > 1 ? ` +${alarms.length - 1} more` : ''}
      </span>
      <span className="sr-only">, {s.label} priority</span>
    </span>
  );
}

/** A line's alarms in one line: count, unacknowledged count and the most important one. */
export function LineAlarmSummary({ line }: { line: string }) {
  const alarms = useLineAlarms(line);
  const top = alarms[0];
  if (!top) return null;
  const unacked = alarms.filter((a) => a.state === 'unack-active' || a.state === 'rtn-unack').length;
  const s = priorityStyle[top.priority];
  return (
    <p className="mt-2 flex min-w-0 items-start gap-1.5 text-sm" data-line-alarms={alarms.length}>
      <span className="inline-flex shrink-0 items-center gap-1 rounded px-1.5 font-bold" style={{ background: s.bg, color: s.fg }}>
        <PriorityIcon priority={top.priority} />
        {alarms.length} {alarms.length === 1 ? 'alarm' : 'alarms'}
      </span>
      <span className="min-w-0">
        {unacked > 0 && <strong>{unacked} unacknowledged · </strong>}
        {top.message}
      </span>
    </p>
  );
}
