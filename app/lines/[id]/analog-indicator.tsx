'use client';

import { memo, useMemo } from 'react';
import type { AlarmPriority } from '../../../lib/alarms/alarm-types.ts';
import { useTagAlarms } from '../../../lib/client/alarm-store.ts';
import { analogScale, type LimitKind, pointerAt, scaleWords, zoneOf } from '../../../lib/client/analog-scale.ts';
import { formatValue } from '../../../lib/client/format.ts';
import type { TagView } from '../../../lib/plant/describe.ts';
import type { Sample } from '../../../lib/types.ts';
import { priorityStyle } from '../../alarms/alarm-badges.tsx';

const limitKinds = new Set<string>(['lolo', 'lo', 'hi', 'hihi']);

/** Percent text for a position 0 … 1 (a few decimals: enough for a pixel on any screen). */
const pct = (at: number) => `${(at * 100).toFixed(2)}%`;

/**
 * ISA-101 analog indicator: a value against its normal range and alarm limits, so "how close
 * to the limit" reads at arm's length. Grey track, the normal band a shade darker, a tick per
 * limit (HIHI/LOLO heavier than HI/LO), a pointer at the value. Calm greys while normal; the
 * zone past a limit takes its alarm's priority colour only while that alarm is active — the
 * value, its unit and the alarm mark next to it say the same in words. The pointer moves by a
 * CSS transform (no layout per sample); a value off the scale pins it at that end, hollow
 * when the value is not good (stale, bad). Renders nothing for a tag without a scale
 * (lib/client/analog-scale.ts says which have one).
 */
export const AnalogIndicator = memo(function AnalogIndicator({
  tag,
  sample,
  className = '',
}: {
  tag: TagView;
  sample: Sample | undefined;
  className?: string;
}) {
  const scale = useMemo(() => (tag.type === 'bool' ? null : analogScale(tag.limits)), [tag.type, tag.limits]);
  const alarms = useTagAlarms(tag.id);
  if (!scale) return null;
  const value = sample?.value ?? null;
  const words = scaleWords(scale, value, (n) => formatValue(n, tag.decimals), tag.unit);
  const pointer = value === null || !Number.isFinite(value) ? null : pointerAt(scale, value);
  const good = sample?.quality === 'good';
  // Active limit alarms colour their own zone (a HIHI zone inside a HI one).
  const activeZones = new Map<LimitKind, AlarmPriority>();
  for (const a of alarms) if (a.active && limitKinds.has(a.kind)) activeZones.set(a.kind as LimitKind, a.priority);
  const a11y =
    pointer === null
      ? { role: 'img', 'aria-label': `${tag.label}: ${words}` }
      : {
          role: 'meter',
          'aria-label': `${tag.label}: ${words}`,
          'aria-valuemin': scale.min,
          'aria-valuemax': scale.max,
          'aria-valuenow': Math.min(scale.max, Math.max(scale.min, value!)),
          'aria-valuetext': words,
        };
  return (
    <div
      {...a11y}
      className={`relative h-5 w-full overflow-clip ${className}`}
      data-indicator={tag.id}
      data-at={pointer ? pointer.at.toFixed(4) : undefined}
      data-off={pointer?.off ?? undefined}
      data-alarm-zones={activeZones.size > 0 ? [...activeZones.keys()].join(' ') : undefined}
      title={words}
    >
      <div className="absolute inset-x-1.5 inset-y-0">
        {/* Track, then the normal band a shade darker. */}
        <div className="absolute inset-x-0 top-2 h-2 rounded-xs border border-edge bg-raised dark:bg-canvas" />
        <div
          className="absolute top-2 h-2 border-y border-edge bg-edge-soft"
          style={{ left: pct(scale.normal.fromAt), width: pct(scale.normal.toAt - scale.normal.fromAt) }}
          data-normal-band
        />
        {[...activeZones].map(([kind, priority]) => {
          const zone = zoneOf(scale, kind);
          return zone ? (
            <div
              key={`zone-${kind}`}
              className="absolute top-2 h-2 border-y border-fg"
              style={{ left: pct(zone.fromAt), width: pct(zone.toAt - zone.fromAt), background: priorityStyle[priority].bg }}
              data-zone={kind}
            />
          ) : null;
        })}
        {scale.marks.map((m) => {
          const outer = m.kind === 'hihi' || m.kind === 'lolo';
          return (
            <div
              key={m.kind}
              className={`absolute top-1 h-4 -translate-x-1/2 bg-muted ${outer ? 'w-[3px]' : 'w-px'}`}
              style={{ left: pct(m.at) }}
              data-limit={m.kind}
              data-limit-value={m.value}
            />
          );
        })}
        {pointer && (
          <div
            className="absolute inset-0 motion-safe:transition-transform motion-safe:duration-300 motion-safe:ease-out"
            style={{ transform: `translateX(${pct(pointer.at)})` }}
            data-pointer
          >
            <svg viewBox="0 0 12 20" className="absolute top-0 left-0 h-5 w-3 -translate-x-1/2 overflow-visible" aria-hidden="true" focusable="false">
              {/* A downward wedge over the track, its stem through it. */}
              <path
                d="M1 0.75h10L6 7.5Z M6 7.5V19"
                className={good ? 'fill-fg stroke-fg' : 'fill-surface stroke-stale'}
                strokeWidth="1.5"
                strokeLinejoin="round"
              />
            </svg>
          </div>
        )}
      </div>
    </div>
  );
});
