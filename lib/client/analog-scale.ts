/**
 * The geometry of the line page's analog indicator (ISA-101 style): where a value sits
 * against its normal range and alarm limits. Pure functions of the tag's limits and a value;
 * the component (app/lines/[id]/analog-indicator.tsx) only draws the fractions given here.
 *
 * The plant has no engineering range per tag, so the scale is derived from what it has:
 * - alarm limits on both sides: from the outermost low to the outermost high limit, widened
 *   by a quarter of that width on each side (never below 0 when every limit is ≥ 0: a level
 *   or a pressure does not go negative), so the normal band sits in the middle half;
 * - high limits only, all above 0: from 0 to the outermost high limit plus a tenth (a
 *   magnitude such as a temperature, a pressure or a current, read from its zero);
 * - low limits only, all above 0: from 0 to twice the inner low limit;
 * - anything else (a one-sided limit at or below 0, no limits at all): no indicator, rather
 *   than a scale made up from nothing. Setpoints have none either: their write range is
 *   enforced when writing, so "how close to the limit" tells an operator nothing there.
 * The scale never follows the value: a value outside it pins the pointer at that end.
 */

export type LimitKind = 'lolo' | 'lo' | 'hi' | 'hihi';

/** A tag's limit alarms, engineering units (the plant's `alarms.<kind>.limit`). */
export type TagLimits = Partial<Record<LimitKind, number>>;

export interface LimitMark {
  kind: LimitKind;
  value: number;
  /** Position on the track, 0 (left end) … 1 (right end). */
  at: number;
}

export interface AnalogScale {
  min: number;
  max: number;
  /** The normal band (inside every limit), engineering units and positions 0 … 1. */
  normal: { from: number; to: number; fromAt: number; toAt: number };
  /** Limit marks, left to right. */
  marks: LimitMark[];
}

const order: readonly LimitKind[] = ['lolo', 'lo', 'hi', 'hihi'];

/** Words for a limit, as the indicator's accessible name says them. */
export const limitWords: Record<LimitKind, string> = { lolo: 'low-low limit', lo: 'low limit', hi: 'high limit', hihi: 'high-high limit' };

const finite = (n: number | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** The scale of a tag with these limits, or null when it has none worth drawing (see the module comment). */
export function analogScale(limits: TagLimits | undefined): AnalogScale | null {
  const l: TagLimits = {};
  for (const k of order) if (finite(limits?.[k])) l[k] = limits![k];
  const lowOuter = l.lolo ?? l.lo;
  const highOuter = l.hihi ?? l.hi;
  let min: number;
  let max: number;
  if (lowOuter !== undefined && highOuter !== undefined && highOuter > lowOuter) {
    const pad = (highOuter - lowOuter) / 4;
    min = lowOuter >= 0 ? Math.max(0, lowOuter - pad) : lowOuter - pad;
    max = highOuter + pad;
  } else if (lowOuter === undefined && highOuter !== undefined && (l.hi ?? highOuter) > 0) {
    min = 0;
    max = highOuter * 1.1;
  } else if (highOuter === undefined && lowOuter !== undefined && lowOuter > 0) {
    min = 0;
    max = (l.lo ?? lowOuter) * 2;
  } else {
    return null;
  }
  const at = (v: number) => clamp01((v - min) / (max - min));
  const from = l.lo ?? l.lolo ?? min;
  const to = l.hi ?? l.hihi ?? max;
  return {
    min,
    max,
    normal: { from, to, fromAt: at(from), toAt: at(to) },
    marks: order.filter((k) => l[k] !== undefined).map((k) => ({ kind: k, value: l[k]!, at: at(l[k]!) })),
  };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/**
 * The alarm zone past a limit, as positions: from the limit outwards to the next limit
 * further out (HI up to HIHI), else to the end of the scale. Null when the scale has no such limit.
 */
export function zoneOf(scale: AnalogScale, kind: LimitKind): { fromAt: number; toAt: number } | null {
  const at = (k: LimitKind) => scale.marks.find((m) => m.kind === k)?.at;
  const limit = at(kind);
  if (limit === undefined) return null;
  if (kind === 'hi') return { fromAt: limit, toAt: at('hihi') ?? 1 };
  if (kind === 'hihi') return { fromAt: limit, toAt: 1 };
  if (kind === 'lo') return { fromAt: at('lolo') ?? 0, toAt: limit };
  return { fromAt: 0, toAt: limit };
}

/** Where the pointer goes: position 0 … 1, and whether the value is off the scale. */
export function pointerAt(scale: AnalogScale, value: number): { at: number; off: 'below' | 'above' | null } {
  const raw = (value - scale.min) / (scale.max - scale.min);
  return { at: clamp01(raw), off: raw < 0 ? 'below' : raw > 1 ? 'above' : null };
}

/**
 * The limit that matters for a value: the outermost one it is past (`passed`), else the
 * nearest one (`passed: false`). Null when the scale has no limits (a setpoint's range).
 */
export function nearestLimit(scale: AnalogScale, value: number): { mark: LimitMark; passed: boolean } | null {
  if (scale.marks.length === 0) return null;
  const past = scale.marks.filter((m) => (m.kind === 'hi' || m.kind === 'hihi' ? value >= m.value : value <= m.value));
  // Outermost passed: hihi before hi, lolo before lo.
  const outer = past.find((m) => m.kind === 'hihi' || m.kind === 'lolo') ?? past[0];
  if (outer) return { mark: outer, passed: true };
  let best = scale.marks[0]!;
  for (const m of scale.marks) if (Math.abs(m.value - value) < Math.abs(best.value - value)) best = m;
  return { mark: best, passed: false };
}

/**
 * What the indicator says in words (its accessible name after the tag's label): the value,
 * the limit that matters, and the normal range — `212.4 °C, high limit 220.0 °C; normal
 * 190.0 to 220.0 °C`, `223.0 °C, above high limit 220.0 °C; normal up to 220.0 °C`. Without a
 * value: `no value; normal …`. `format` writes a number as the tag does.
 */
export function scaleWords(scale: AnalogScale, value: number | null | undefined, format: (n: number) => string, unit: string): string {
  const u = (n: number) => `${format(n)}${unit ? ` ${unit}` : ''}`;
  const low = scale.marks.some((m) => m.kind === 'lo' || m.kind === 'lolo');
  const high = scale.marks.some((m) => m.kind === 'hi' || m.kind === 'hihi');
  const normal = `normal ${low && high ? `${format(scale.normal.from)} to ${u(scale.normal.to)}` : low ? `from ${u(scale.normal.from)}` : `up to ${u(scale.normal.to)}`}`;
  if (value === null || value === undefined || !Number.isFinite(value)) return `no value; ${normal}`;
  const near = nearestLimit(scale, value)!;
  const side = near.mark.kind === 'hi' || near.mark.kind === 'hihi' ? 'above ' : 'below ';
  return `${u(value)}, ${near.passed ? side : ''}${limitWords[near.mark.kind]} ${u(near.mark.value)}; ${normal}`;
}
