'use client';

import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock, formatValue } from '../../lib/client/format.ts';
import type { TrendResponse } from '../../lib/history/trend.ts';
import { clampRange, timeTicks, zoomAt } from './range.ts';

/** An alarm event drawn on the chart: a dashed line with a marker (▼ raised, ○ cleared), never colour alone. */
export interface AlarmMarker {
  ts: number;
  kind: 'raised' | 'cleared';
}

export interface SeriesMeta {
  tag: string;
  label: string;
  unit: string;
  decimals: number;
  type: string;
}

interface Props {
  series: SeriesMeta[];
  data: TrendResponse | undefined;
  from: number;
  to: number;
  /** A zoom or pan gesture ended on this range: query it. */
  onRange(from: number, to: number): void;
  /** The plot's CSS width changed. */
  onWidth(width: number): void;
  /** Latest time a range may reach (the present). */
  latest: number;
  state: 'loading' | 'ready' | 'empty' | 'error';
  markers?: AlarmMarker[];
}

/**
 * Pens: calm greys told apart by dash pattern and width, never by colour alone (ISA-101).
 * The legend draws the same pattern next to each name.
 */
export const pens: { dash: number[]; width: number; tone: 'fg' | 'muted' }[] = [
  { dash: [], width: 2, tone: 'fg' },
  { dash: [9, 4], width: 2, tone: 'muted' },
  { dash: [2, 3], width: 2.5, tone: 'fg' },
  { dash: [12, 3, 3, 3], width: 2, tone: 'muted' },
  { dash: [], width: 1.25, tone: 'muted' },
  { dash: [5, 5], width: 1.5, tone: 'fg' },
  { dash: [1, 2], width: 2, tone: 'muted' },
  { dash: [14, 4, 2, 4, 2, 4], width: 2, tone: 'fg' },
];

const HEIGHT = 320;
const scaleKey = (unit: string) => `u:${unit}`;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#777';
}

/** Series of the answer joined on one time axis: misaligned slots are `undefined` (drawn through), gaps stay `null` (breaks). */
function aligned(meta: SeriesMeta[], data: TrendResponse | undefined): uPlot.AlignedData {
  const tables = meta.map((m) => {
    const s = data?.series.find((x) => x.tag === m.tag);
    return [s?.t ?? [], s?.v ?? []] as uPlot.AlignedData;
  });
  if (tables.length === 0) return [[]];
  return uPlot.join(tables);
}

interface Readout {
  ts: number;
  values: (number | null | undefined)[];
}

/**
 * The trend chart (uPlot, canvas): one y axis per unit, gaps as breaks. Zoom: drag across it
 * with a mouse, pinch it, or Ctrl + wheel; pan: swipe sideways or Shift + wheel. The range
 * is committed (and re-queried at the new resolution) when a gesture ends.
 */
export function TrendChart({ series, data, from, to, onRange, onWidth, latest, state, markers = [] }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef({ from, to, latest });
  range.current = { from, to, latest };
  const callbacks = useRef({ onRange, onWidth });
  callbacks.current = { onRange, onWidth };
  const dataRef = useRef(data);
  dataRef.current = data;
  const markersRef = useRef(markers);
  markersRef.current = markers;
  const [theme, setTheme] = useState(0);
  const [readout, setReadout] = useState<Readout | null>(null);
  const metaKey = series.map((s) => `${s.tag}|${s.unit}`).join(',');

  // Redraw with the new palette when the theme changes.
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme((n) => n + 1));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is rebuilt when its series (tags, units) or the theme change; data flows in through the effect below
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fg = cssVar('--lw-fg');
    const muted = cssVar('--lw-muted');
    const grid = cssVar('--lw-edge-soft');
    const units = [...new Set(series.map((s) => s.unit))];
    const font = '12px system-ui, sans-serif';
    const axis = (side: number, scale?: string, label?: string): uPlot.Axis => ({
      side,
      // Only when given: an explicit `scale: undefined` would unbind the x axis from its scale.
      ...(scale
        ? { scale, label, labelSize: 18, labelFont: font }
        : { values: (u: uPlot, splits: number[]) => timeTicks(splits, u.scales.x.max! - u.scales.x.min!) }),
      font,
      stroke: fg,
      size: side === 2 ? 40 : 52,
      grid: { stroke: grid, width: 1, show: scale === undefined || scale === scaleKey(units[0]!) },
      ticks: { stroke: grid, width: 1 },
    });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      ms: 1,
      legend: { show: false },
      scales: {
        x: { time: true, auto: false, min: range.current.from, max: range.current.to },
        ...Object.fromEntries(units.map((u) => [scaleKey(u), { auto: true }])),
      },
      axes: [axis(2), ...units.map((u, i) => axis(i % 2 === 0 ? 3 : 1, scaleKey(u), u || 'value'))],
      series: [
        {},
        ...series.map((s, i) => {
          const pen = pens[i % pens.length]!;
          return {
            label: s.label,
            scale: scaleKey(s.unit),
            stroke: pen.tone === 'fg' ? fg : muted,
            width: pen.width,
            dash: pen.dash,
            spanGaps: false,
            points: { show: false },
          };
        }),
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        // Double-click would reset to the data's extent; the buttons do that explicitly.
        bind: { dblclick: () => () => null },
        points: { show: false },
      },
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const { top, height } = u.bbox;
            const px = devicePixelRatio || 1;
            ctx.save();
            ctx.strokeStyle = fg;
            ctx.fillStyle = fg;
            ctx.lineWidth = px;
            for (const m of markersRef.current) {
              if (m.ts < u.scales.x.min! || m.ts > u.scales.x.max!) continue;
              const x = Math.round(u.valToPos(m.ts, 'x', true));
              ctx.setLineDash([3 * px, 3 * px]);
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              ctx.setLineDash([]);
              ctx.beginPath();
              if (m.kind === 'raised') {
                ctx.moveTo(x - 5 * px, top);
                ctx.lineTo(x + 5 * px, top);
                ctx.lineTo(x, top + 8 * px);
                ctx.closePath();
                ctx.fill();
              } else {
                ctx.arc(x, top + 4 * px, 4 * px, 0, 2 * Math.PI);
                ctx.stroke();
              }
            }
            ctx.restore();
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width > 4) {
              const r = clampRange(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'), range.current.latest);
              u.setScale('x', { min: r.from, max: r.to });
              callbacks.current.onRange(r.from, r.to);
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            setReadout(i === null || i === undefined ? null : { ts: u.data[0][i]!, values: series.map((_, k) => u.data[k + 1]?.[i]) });
          },
        ],
      },
    };
    const u = new uPlot(opts, aligned(series, dataRef.current), el);
    plot.current = u;
    const over = u.over;
    // Vertical swipes still scroll the page; sideways swipes and pinches are ours.
    over.style.touchAction = 'pan-y';

    const pointers = new Map<number, number>();
    let gesture: { min: number; max: number; xs: number[] } | null = null;
    let moved = false;
    // uPlot applies a new scale in a microtask: keep the range we asked for ourselves.
    let shown: { from: number; to: number } | null = null;
    const current = () => shown ?? { from: u.scales.x.min!, to: u.scales.x.max! };
    const plotLeft = () => over.getBoundingClientRect().left;
    const commit = () => {
      const r = current();
      shown = null;
      callbacks.current.onRange(Math.round(r.from), Math.round(r.to));
    };
    const setX = (min: number, max: number) => {
      shown = clampRange(min, max, range.current.latest);
      u.setScale('x', { min: shown.from, max: shown.to });
    };
    const startGesture = () => {
      const r = current();
      gesture = { min: r.from, max: r.to, xs: [...pointers.values()] };
    };
    const onDown = (e: PointerEvent) => {
      if (e.pointerType === 'mouse') return; // the mouse drags a zoom box (uPlot's own)
      try {
        over.setPointerCapture(e.pointerId);
      } catch {
        // Not an active pointer (synthetic event): moves still arrive while it stays on the plot.
      }
      pointers.set(e.pointerId, e.clientX);
      startGesture();
    };
    const onMove = (e: PointerEvent) => {
      if (!pointers.has(e.pointerId) || !gesture) return;
      pointers.set(e.pointerId, e.clientX);
      const xs = [...pointers.values()];
      const span = gesture.max - gesture.min;
      const perPx = span / over.clientWidth;
      if (xs.length === 1 && gesture.xs.length === 1) {
        const dx = xs[0]! - gesture.xs[0]!;
        if (Math.abs(dx) > 3) moved = true;
        setX(gesture.min - dx * perPx, gesture.max - dx * perPx);
      } else if (xs.length >= 2 && gesture.xs.length >= 2) {
        const d0 = Math.abs(gesture.xs[0]! - gesture.xs[1]!);
        const d1 = Math.abs(xs[0]! - xs[1]!);
        if (d0 < 10 || d1 < 10) return;
        moved = true;
        // The time under the fingers' midpoint stays under it.
        const mid0 = (gesture.xs[0]! + gesture.xs[1]!) / 2 - plotLeft();
        const mid1 = (xs[0]! + xs[1]!) / 2 - plotLeft();
        const anchor = gesture.min + mid0 * perPx;
        const newSpan = span * (d0 / d1);
        const min = anchor - (mid1 / over.clientWidth) * newSpan;
        setX(min, min + newSpan);
      }
    };
    const onUp = (e: PointerEvent) => {
      if (!pointers.delete(e.pointerId)) return;
      if (pointers.size > 0) {
        startGesture();
        return;
      }
      gesture = null;
      if (moved) commit();
      moved = false;
    };
    let wheelTimer: ReturnType<typeof setTimeout> | undefined;
    const onWheel = (e: WheelEvent) => {
      const zoom = e.ctrlKey || e.metaKey;
      const sideways = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
      if (!zoom && !sideways) return; // a plain wheel scrolls the page
      e.preventDefault();
      const { from: min, to: max } = current();
      if (zoom) {
        const anchor = u.posToVal(e.clientX - plotLeft(), 'x');
        const r = zoomAt(min, max, e.deltaY > 0 ? 1.25 : 0.8, anchor);
        setX(r.from, r.to);
      } else {
        const delta = (e.deltaX || e.deltaY) > 0 ? 0.1 : -0.1;
        setX(min + (max - min) * delta, max + (max - min) * delta);
      }
      clearTimeout(wheelTimer);
      wheelTimer = setTimeout(commit, 300);
    };
    over.addEventListener('pointerdown', onDown);
    over.addEventListener('pointermove', onMove);
    over.addEventListener('pointerup', onUp);
    over.addEventListener('pointercancel', onUp);
    over.addEventListener('wheel', onWheel, { passive: false });

    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height: HEIGHT });
      callbacks.current.onWidth(el.clientWidth);
    });
    resize.observe(el);
    callbacks.current.onWidth(el.clientWidth);
    return () => {
      clearTimeout(wheelTimer);
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [metaKey, theme]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: markers are read by the plot's draw hook; a change only needs a redraw
  useEffect(() => {
    plot.current?.redraw(false);
  }, [markers]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: series are read through metaKey (tags, units); a new series array with the same meta must not reset the data
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(aligned(series, data), true);
    u.setScale('x', { min: from, max: to });
  }, [data, from, to, metaKey, theme]);

  const points = data?.series.reduce((n, s) => n + s.t.length, 0) ?? 0;
  return (
    <div>
      <div
        ref={box}
        data-testid="trend"
        data-state={state}
        data-points={points}
        data-from={from}
        data-to={to}
        data-resolution={data?.resolution ?? ''}
        className="w-full overflow-hidden rounded-md border border-edge bg-raised [&_.u-over]:cursor-crosshair"
        style={{ minHeight: HEIGHT }}
      />
      <p className="mt-1 min-h-6 text-sm tabular-nums text-muted" aria-live="off">
        {readout ? (
          <>
            <span className="font-medium text-fg">
              {to - from > 86_400_000 ? `${timeTicks([readout.ts], 30 * 86_400_000)[0]} ` : ''}
              {formatClock(readout.ts)}
            </span>
            {series.map((s, i) => {
              const v = readout.values[i];
              return (
                <span key={s.tag} className="ml-3 whitespace-nowrap">
                  {s.label}: {v === null ? 'gap' : v === undefined ? '·' : `${formatValue(v, s.decimals, s.type)} ${s.unit}`}
                </span>
              );
            })}
          </>
        ) : (
          'Touch or point at the chart to read values.'
        )}
      </p>
    </div>
  );
}
