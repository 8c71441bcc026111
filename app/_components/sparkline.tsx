import type { TrendPoint } from '../../lib/client/live-store.ts';

const width = 120;
const height = 32;
const pad = 2;

/** A line breaks where quality was not good or where points are this far apart. */
const gapMs = 5000;

interface Props {
  points: TrendPoint[] | null;
  windowMs: number;
  /** Accessible description, e.g. "Melt temperature, last 5 min". */
  label: string;
  /** Formats a value for the description (decimals and unit). */
  format: (v: number) => string;
  className?: string;
}

/**
 * A small trend line (hand-rolled SVG, no chart library). At most two points per horizontal
 * pixel (min and max of each column), so a spike is never hidden; gaps stay gaps.
 */
export function Sparkline({ points, windowMs, label, format, className = '' }: Props) {
  const box = `block h-8 w-30 shrink-0 ${className}`;
  if (!points) return <svg className={box} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: loading`} />;
  const good = points.filter((p) => p.quality === 'good' && p.value !== null) as (TrendPoint & { value: number })[];
  if (good.length === 0) {
    return (
      <svg className={box} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: no good values`}>
        <line x1={pad} x2={width - pad} y1={height / 2} y2={height / 2} className="stroke-edge-soft" strokeDasharray="3 3" />
      </svg>
    );
  }
  const end = points[points.length - 1]!.ts;
  const start = end - windowMs;
  let min = Infinity;
  let max = -Infinity;
  for (const p of good) {
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
  }
  const span = max - min || Math.abs(max) * 0.01 || 1;
  const lo = max === min ? min - span / 2 : min;
  const x = (ts: number) => pad + ((ts - start) / windowMs) * (width - 2 * pad);
  const y = (v: number) => height - pad - ((v - lo) / span) * (height - 2 * pad);

  // Split into runs of good points, then reduce each run to min/max per pixel column.
  const runs: string[] = [];
  let run: { x: number; y: number }[] = [];
  let column = -1;
  let colMin: { x: number; y: number } | null = null;
  let colMax: { x: number; y: number } | null = null;
  const flushColumn = () => {
    if (colMin && colMax) {
      if (colMin === colMax) run.push(colMin);
      else run.push(...(colMin.x <= colMax.x ? [colMin, colMax] : [colMax, colMin]));
    }
    colMin = colMax = null;
  };
  const flushRun = () => {
    flushColumn();
    if (run.length > 0) runs.push(run.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '));
    run = [];
    column = -1;
  };
  let prevTs = -Infinity;
  for (const p of points) {
    if (p.ts < start) continue;
    if (p.quality !== 'good' || p.value === null || p.ts - prevTs > gapMs) flushRun();
    prevTs = p.ts;
    if (p.quality !== 'good' || p.value === null) continue;
    const pt = { x: x(p.ts), y: y(p.value) };
    const col = Math.floor(pt.x);
    if (col !== column) {
      flushColumn();
      column = col;
    }
    if (!colMin || pt.y > colMin.y) colMin = pt;
    if (!colMax || pt.y < colMax.y) colMax = pt;
  }
  flushRun();
  const last = points[points.length - 1]!;
  const lastGood = last.quality === 'good' && last.value !== null;

  return (
    <svg className={box} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: between ${format(min)} and ${format(max)}`}>
      {/* The whole window, so a short history reads as "recent only", not as a broken chart. */}
      <line x1={pad} x2={width - pad} y1={height - 0.5} y2={height - 0.5} className="stroke-edge-soft" strokeWidth="1" />
      {runs.map((r, i) =>
        r.includes(' ') ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: runs are positional (the gaps split them), redrawn as a whole
          <polyline key={i} points={r} fill="none" className="stroke-trend" strokeWidth="1.5" vectorEffect="non-scaling-stroke" strokeLinejoin="round" />
        ) : null,
      )}
      {lastGood && <circle cx={x(last.ts)} cy={y(last.value!)} r="2" className="fill-trend" />}
    </svg>
  );
}
