'use client';

import { memo, useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { serverNow } from '../../lib/client/clock.ts';
import { useDateFormat } from '../../lib/client/date-format.ts';
import { learnPatterns } from '../../lib/client/date-pattern-store.ts';
import { deviceDateFormat, formatDateTime, formatTime, formatValue } from '../../lib/client/format.ts';
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

/** An alarm limit of a shown tag, drawn as a horizontal line in its pen's colour, labelled. */
export interface LimitLine {
  /** Index of the series (pen) the limit belongs to. */
  series: number;
  /** `hihi`, `hi`, `lo`, `lolo`. */
  kind: string;
  value: number;
}

interface Props {
  series: SeriesMeta[];
  /** Alarm limits of the shown tags. */
  limits?: LimitLine[];
  data: TrendResponse | undefined;
  from: number;
  to: number;
  /** A zoom or pan gesture ended on this range: query it. */
  onRange(from: number, to: number): void;
  /** The plot's CSS width changed. */
  onWidth(width: number): void;
  state: 'loading' | 'ready' | 'empty' | 'error';
  markers?: AlarmMarker[];
}

export type PenShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'down' | 'plus' | 'star';

/**
 * Pens: a colour-blind-safe set (after Okabe & Ito, darkened for the light theme and lightened
 * for the dark one: ≥ 3:1 against the chart) without the alarm hues, and each pen also differs
 * in dash pattern and marker shape, so no pen is told apart by colour alone (ISA-101). The
 * legend draws the same colour, dash and shape next to each name.
 */
export const pens: { light: string; dark: string; dash: number[]; width: number; shape: PenShape }[] = [
  { light: '#0b5fa5', dark: '#6cb2ee', dash: [], width: 2, shape: 'circle' },
  { light: '#9c5700', dark: '#e8a65a', dash: [9, 4], width: 2, shape: 'square' },
  { light: '#00785a', dark: '#4fc79c', dash: [2, 3], width: 2.5, shape: 'triangle' },
  { light: '#6b4ea0', dark: '#b9a0ea', dash: [12, 3, 3, 3], width: 2, shape: 'diamond' },
  { light: '#3d3d3d', dark: '#d0d0d0', dash: [], width: 1.25, shape: 'cross' },
  { light: '#1d6f94', dark: '#86d3f2', dash: [5, 5], width: 1.5, shape: 'down' },
  { light: '#6e6200', dark: '#d6c65e', dash: [1, 2], width: 2, shape: 'plus' },
  { light: '#8c3f5d', dark: '#eba0bd', dash: [14, 4, 2, 4, 2, 4], width: 2, shape: 'star' },
];

export const penOf = (i: number) => pens[i % pens.length]!;
export const isDarkTheme = () => typeof document !== 'undefined' && document.documentElement.dataset.theme === 'dark';
export const penColor = (i: number, dark: boolean) => (dark ? penOf(i).dark : penOf(i).light);

/** A pen's marker, centred on (x, y), `r` its radius in canvas pixels. */
export function drawShape(ctx: CanvasRenderingContext2D, shape: PenShape, x: number, y: number, r: number): void {
  ctx.beginPath();
  switch (shape) {
    case 'circle':
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      return;
    case 'square':
      ctx.fillRect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      return;
    case 'triangle':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y + r * 0.8);
      ctx.lineTo(x - r, y + r * 0.8);
      break;
    case 'down':
      ctx.moveTo(x, y + r);
      ctx.lineTo(x + r, y - r * 0.8);
      ctx.lineTo(x - r, y - r * 0.8);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r, y);
      break;
    case 'cross':
    case 'plus': {
      const d = shape === 'cross' ? r * 0.85 : r;
      ctx.lineWidth = Math.max(2, r / 2);
      if (shape === 'cross') {
        ctx.moveTo(x - d, y - d);
        ctx.lineTo(x + d, y + d);
        ctx.moveTo(x + d, y - d);
        ctx.lineTo(x - d, y + d);
      } else {
        ctx.moveTo(x - d, y);
        ctx.lineTo(x + d, y);
        ctx.moveTo(x, y - d);
        ctx.lineTo(x, y + d);
      }
      ctx.stroke();
      return;
    }
    case 'star':
      for (let k = 0; k < 10; k++) {
        const a = (Math.PI / 5) * k - Math.PI / 2;
        const rr = k % 2 === 0 ? r * 1.2 : r * 0.5;
        if (k === 0) ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
        else ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
      }
      break;
  }
  ctx.closePath();
  ctx.fill();
}

/** A pen's sample for a legend: its colour, dash and marker (decorative: the name is beside it). */
export function PenSwatch({ index, dark }: { index: number; dark: boolean }) {
  const pen = penOf(index);
  const color = penColor(index, dark);
  const r = 3.2;
  const shapes: Record<PenShape, React.ReactNode> = {
    circle: <circle cx="16" cy="6" r={r} />,
    square: <rect x={16 - r * 0.85} y={6 - r * 0.85} width={r * 1.7} height={r * 1.7} />,
    triangle: <path d={`M16 ${6 - r}L${16 + r} ${6 + r * 0.8}H${16 - r}Z`} />,
    down: <path d={`M16 ${6 + r}L${16 + r} ${6 - r * 0.8}H${16 - r}Z`} />,
    diamond: <path d={`M16 ${6 - r * 1.2}L${16 + r} 6L16 ${6 + r * 1.2}L${16 - r} 6Z`} />,
    cross: <path d={`M${16 - r} ${6 - r}l${2 * r} ${2 * r}M${16 + r} ${6 - r}l${-2 * r} ${2 * r}`} stroke={color} strokeWidth="1.8" />,
    plus: <path d={`M${16 - r} 6h${2 * r}M16 ${6 - r}v${2 * r}`} stroke={color} strokeWidth="1.8" />,
    star: <path d="M16 2.2l1.1 2.6 2.8.2-2.1 1.8.7 2.7L16 8l-2.5 1.5.7-2.7-2.1-1.8 2.8-.2Z" />,
  };
  return (
    <svg viewBox="0 0 32 12" className="h-3 w-8 shrink-0" aria-hidden="true" focusable="false">
      <line x1="0" y1="6" x2="32" y2="6" stroke={color} strokeWidth={pen.width} strokeDasharray={pen.dash.join(' ') || undefined} />
      <g fill={color}>{shapes[pen.shape]}</g>
    </svg>
  );
}

/** Chart height, CSS px: lower on a phone (Tailwind's `sm` breakpoint) so it fits the screen with the range controls. */
const heightFor = () => (window.innerWidth < 640 ? 240 : 320);
/** Marker shapes are drawn every this many CSS px along a pen (and on its newest point). */
const shapeEveryPx = 110;
const scaleKey = (unit: string) => `u:${unit}`;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#777';
}

/**
 * uPlot, loaded when the first chart is built rather than with the page: its code then runs
 * in a task of its own, not inside the page's hydration. Its module makes an
 * `Intl.NumberFormat` as it loads: 15–30 ms of main thread unless the page's Intl data is
 * already warm, so it waits for the date-pattern worker, which warms it (date-pattern-store.ts).
 */
let uPlotClass: typeof uPlot | undefined;
async function loadUPlot(): Promise<typeof uPlot> {
  if (!uPlotClass) {
    await learnPatterns(deviceDateFormat().locale);
    uPlotClass = (await import('uplot')).default;
  }
  return uPlotClass;
}

/** Series of the answer joined on one time axis: misaligned slots are `undefined` (drawn through), gaps stay `null` (breaks). */
function aligned(UPlot: typeof uPlot, meta: SeriesMeta[], data: TrendResponse | undefined): uPlot.AlignedData {
  const tables = meta.map((m) => {
    const s = data?.series.find((x) => x.tag === m.tag);
    return [s?.t ?? [], s?.v ?? []] as uPlot.AlignedData;
  });
  if (tables.length === 0) return [[]];
  return UPlot.join(tables);
}

interface Readout {
  ts: number;
  values: (number | null | undefined)[];
}

/** The latest time a zoomed or panned range may reach: the present, and a minute's grace. */
export const latestRangeEnd = () => serverNow() + 60_000;

const noMarkers: AlarmMarker[] = [];
const noLimits: LimitLine[] = [];

/**
 * The trend chart (uPlot, canvas): one y axis per unit, gaps as breaks. Zoom: drag across it
 * with a mouse, pinch it, or Ctrl + wheel; pan: swipe sideways or Shift + wheel. The range
 * is committed (and re-queried at the new resolution) when a gesture ends. Memoized: the page
 * re-renders on every SWR state change (synchronously: SWR uses useSyncExternalStore) and every
 * second while following; the chart only when its props change.
 */
export const TrendChart = memo(function TrendChart({ series, data, from, to, onRange, onWidth, state, markers = noMarkers, limits = noLimits }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef({ from, to });
  range.current = { from, to };
  const callbacks = useRef({ onRange, onWidth });
  callbacks.current = { onRange, onWidth };
  const dataRef = useRef(data);
  dataRef.current = data;
  const markersRef = useRef(markers);
  markersRef.current = markers;
  const [theme, setTheme] = useState(0);
  const [readout, setReadout] = useState<Readout | null>(null);
  const dateFormat = useDateFormat();
  const metaKey = series.map((s) => `${s.tag}|${s.unit}`).join(',');
  const limitsKey = limits.map((l) => `${l.series}:${l.kind}:${l.value}`).join(',');
  const limitsRef = useRef(limits);
  limitsRef.current = limits;
  /** A touch or wheel gesture is under way: a followed range moving meanwhile must not undo it. */
  const gestureRef = useRef(false);

  // Redraw with the new palette when the theme changes.
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme((n) => n + 1));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);

  const hasData = data !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is rebuilt when its series (tags, units) or the theme change; data and limits flow in through the effect below
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // The query's resolution needs the width, not the plot: asked for while uPlot loads.
    callbacks.current.onWidth(el.clientWidth);
    // A chunk that cannot load (offline and never cached) leaves the box empty until the next build.
    const loaded = loadUPlot().catch(() => null);
    // Drawn once its first data is there: an empty frame first would be drawn twice.
    if (!hasData) return;
    let dispose: (() => void) | undefined;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void loaded.then((UPlot) => {
      if (!UPlot) return;
      // Built in a task of its own, apart from the one that ran uPlot's code.
      timer = setTimeout(() => {
        if (!cancelled) dispose = build(UPlot, el);
      }, 0);
    });
    return () => {
      cancelled = true;
      clearTimeout(timer);
      dispose?.();
    };
  }, [metaKey, theme, hasData]);

  /** Builds the plot in `el`, with its gestures; returns its teardown. */
  function build(UPlot: typeof uPlot, el: HTMLDivElement): () => void {
    const fg = cssVar('--lw-fg');
    const grid = cssVar('--lw-edge-soft');
    const dark = isDarkTheme();
    const height = heightFor();
    const units = [...new Set(series.map((s) => s.unit))];
    /** Each unit's scale reaches its limits too: "how close to the limit" needs the limit on screen. */
    const limitRange =
      (unit: string): uPlot.Range.Function =>
      (_u, min, max) => {
        let lo = min;
        let hi = max;
        for (const l of limitsRef.current) {
          if (series[l.series]?.unit !== unit) continue;
          lo = lo === null || !Number.isFinite(lo) ? l.value : Math.min(lo, l.value);
          hi = hi === null || !Number.isFinite(hi) ? l.value : Math.max(hi, l.value);
        }
        if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
        const pad = hi > lo ? (hi - lo) * 0.06 : Math.abs(hi) * 0.05 || 1;
        return [lo - pad, hi + pad];
      };
    const font = '12px system-ui, sans-serif';
    const axis = (side: number, scale?: string, label?: string): uPlot.Axis => ({
      side,
      // Only when given: an explicit `scale: undefined` would unbind the x axis from its scale.
      ...(scale
        ? { scale, label, labelSize: 18, labelFont: font }
        : {
            values: (u: uPlot, splits: number[]) => timeTicks(splits, u.scales.x.max! - u.scales.x.min!, deviceDateFormat()),
            // Two-line labels (date over time) and 12 h times need room.
            space: 70,
          }),
      font,
      stroke: fg,
      size: side === 2 ? 48 : 52,
      grid: { stroke: grid, width: 1, show: scale === undefined || scale === scaleKey(units[0]!) },
      ticks: { stroke: grid, width: 1 },
    });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      ms: 1,
      legend: { show: false },
      scales: {
        x: { time: true, auto: false, min: range.current.from, max: range.current.to },
        ...Object.fromEntries(units.map((u) => [scaleKey(u), { auto: true, range: limitRange(u) }])),
      },
      axes: [axis(2), ...units.map((u, i) => axis(i % 2 === 0 ? 3 : 1, scaleKey(u), u || 'value'))],
      series: [
        {},
        ...series.map((s, i) => {
          const pen = penOf(i);
          return {
            label: s.label,
            scale: scaleKey(s.unit),
            stroke: penColor(i, dark),
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
            drawLimits(u, limitsRef.current, series, dark);
            drawShapes(u, series.length, dark);
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width > 4) {
              const r = clampRange(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'), latestRangeEnd());
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
    const u = new UPlot(opts, aligned(UPlot, series, dataRef.current), el);
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
      shown = clampRange(min, max, latestRangeEnd());
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
      gestureRef.current = true;
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
      gestureRef.current = false;
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
      gestureRef.current = true;
      wheelTimer = setTimeout(() => {
        gestureRef.current = false;
        commit();
      }, 300);
    };
    over.addEventListener('pointerdown', onDown);
    over.addEventListener('pointermove', onMove);
    over.addEventListener('pointerup', onUp);
    over.addEventListener('pointercancel', onUp);
    over.addEventListener('wheel', onWheel, { passive: false });

    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width || heightFor() !== u.height) u.setSize({ width, height: heightFor() });
      callbacks.current.onWidth(el.clientWidth);
    });
    resize.observe(el);
    return () => {
      clearTimeout(wheelTimer);
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: markers are read by the plot's draw hook; a change only needs a redraw
  useEffect(() => {
    plot.current?.redraw(false);
  }, [markers]);

  // Limits widen the y scales (read by their range functions): a new set re-scales like new data.
  // biome-ignore lint/correctness/useExhaustiveDependencies: series are read through metaKey (tags, units); a new series array with the same meta must not reset the data
  useEffect(() => {
    const u = plot.current;
    const UPlot = uPlotClass;
    if (!u || !UPlot) return;
    // Drawn in the next frame, in a task of its own rather than inside the render that brought
    // the data (SWR's renders are synchronous); updates within one frame are drawn once.
    const frame = requestAnimationFrame(() => {
      u.setData(aligned(UPlot, series, data), true);
      if (!gestureRef.current) u.setScale('x', { min: from, max: to });
    });
    return () => cancelAnimationFrame(frame);
  }, [data, from, to, metaKey, theme, limitsKey]);

  const points = data?.series.reduce((n, s) => n + s.t.length, 0) ?? 0;
  /** Newest point drawn, any pen: tests and the curious see the trend follow the data. */
  const newest = data?.series.reduce((m, s) => Math.max(m, s.t.length > 0 ? s.t[s.t.length - 1]! : 0), 0) ?? 0;
  return (
    <div>
      <div
        ref={box}
        data-testid="trend"
        data-state={state}
        data-points={points}
        data-newest={newest}
        data-from={from}
        data-to={to}
        data-resolution={data?.resolution ?? ''}
        data-limits={limits.map((l) => `${series[l.series]?.tag}:${l.kind}:${l.value}`).join(' ')}
        className="min-h-60 w-full overflow-hidden rounded-md border border-edge bg-raised sm:min-h-80 [&_.u-over]:cursor-crosshair"
      />
      <p className="mt-1 min-h-6 text-sm tabular-nums text-muted" aria-live="off">
        {readout ? (
          <>
            <span className="font-medium text-fg">
              {dateFormat === null
                ? ''
                : to - from > 86_400_000
                  ? formatDateTime(readout.ts, dateFormat, { seconds: true })
                  : formatTime(readout.ts, dateFormat)}
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
});

/** Alarm limits: a thin dashed line across the plot in the pen's colour, named at the left (`HI 230 °C`), away from the live edge. */
function drawLimits(u: uPlot, limits: readonly LimitLine[], series: readonly SeriesMeta[], dark: boolean): void {
  if (limits.length === 0) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const px = devicePixelRatio || 1;
  ctx.save();
  ctx.font = `${11 * px}px system-ui, sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  /** Labels drawn so far: one that would overlap another (two scales, limits at one height) moves right of it. */
  const placed: { y: number; right: number }[] = [];
  for (const l of limits) {
    const s = series[l.series];
    if (!s) continue;
    const y = Math.round(u.valToPos(l.value, scaleKey(s.unit), true));
    if (y < top || y > top + height) continue;
    const color = penColor(l.series, dark);
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = px;
    // HIHI / LOLO longer dashes than HI / LO: the pair reads apart without colour.
    ctx.setLineDash(l.kind.length === 4 ? [10 * px, 3 * px] : [4 * px, 4 * px]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    const text = `${l.kind.toUpperCase()} ${formatValue(l.value, s.decimals)}${s.unit ? ` ${s.unit}` : ''}`;
    const below = l.kind.startsWith('lo');
    ctx.textBaseline = below ? 'top' : 'bottom';
    const ty = below ? y + 2 * px : y - 2 * px;
    let x = left + 4 * px;
    for (const p of placed) if (Math.abs(p.y - ty) < 13 * px && x < p.right + 8 * px) x = p.right + 8 * px;
    ctx.fillText(text, x, ty);
    placed.push({ y: ty, right: x + ctx.measureText(text).width });
  }
  ctx.restore();
}

/** Each pen's marker shape every `shapeEveryPx` along its line and on its newest point. */
function drawShapes(u: uPlot, count: number, dark: boolean): void {
  const ctx = u.ctx;
  const px = devicePixelRatio || 1;
  const xs = u.data[0];
  if (!xs || xs.length === 0) return;
  const { left, width } = u.bbox;
  const min = u.scales.x.min!;
  const max = u.scales.x.max!;
  ctx.save();
  for (let i = 0; i < count; i++) {
    const ys = u.data[i + 1];
    const s = u.series[i + 1];
    if (!ys || !s?.scale) continue;
    const pen = penOf(i);
    const color = penColor(i, dark);
    ctx.fillStyle = color;
    ctx.strokeStyle = color;
    const at = (k: number) => {
      const v = ys[k];
      if (v === null || v === undefined) return;
      drawShape(ctx, pen.shape, u.valToPos(xs[k]!, 'x', true), u.valToPos(v, s.scale!, true), 3.5 * px);
    };
    // Offset per pen, so two pens' markers do not sit on the same vertical.
    let next = left + ((i * shapeEveryPx) / count) * 0.5 * px + (shapeEveryPx / 2) * px;
    let newest = -1;
    for (let k = 0; k < xs.length; k++) {
      const t = xs[k]!;
      if (t < min || t > max) continue;
      const v = ys[k];
      if (v === null || v === undefined) continue;
      newest = k;
      const x = u.valToPos(t, 'x', true);
      if (x >= next && x < left + width - (shapeEveryPx / 3) * px) {
        at(k);
        next = x + shapeEveryPx * px;
      }
    }
    if (newest >= 0) at(newest);
  }
  ctx.restore();
}
