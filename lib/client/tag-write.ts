import { type Role, roleAtLeast } from '../auth/access-rules.ts';
import type { TagView } from '../plant/describe.ts';
import { limitBroken, type WriteOutcome } from '../plant/write-rules.ts';
import { formatValue } from './format.ts';

/**
 * The line page's side of writing setpoints and commands (issue 21): who sees a write
 * affordance, how a typed value is read and checked before sending (the server's rules, so a
 * refusal comes with the limit named and nothing sent), and the words of buttons and results.
 * Pure functions; the server checks everything again.
 */

export type Writable = NonNullable<TagView['writable']>;

/** The answer of `POST /api/tags/{id}/write`. */
export type WriteAnswer = WriteOutcome;

/** Viewers write nothing; operators what asks for an operator; admins everything. */
export function mayWrite(role: Role | undefined, writable: Writable | undefined): writable is Writable {
  return role !== undefined && writable !== undefined && roleAtLeast(role, writable.role);
}

/** A bool tag with `writable` is a command: momentary when it has a pulse, else latched. */
export function writeKind(tag: Pick<TagView, 'type'>, writable: Writable): 'setpoint' | 'momentary' | 'latched' {
  if (tag.type !== 'bool') return 'setpoint';
  return writable.pulseMs !== undefined ? 'momentary' : 'latched';
}

/**
 * The number typed, or null when it is not one. Phones in many locales offer `,` as the
 * decimal key: one comma with no dot is read as the decimal point.
 */
export function parseEntry(text: string): number | null {
  let t = text.trim().replace(/\s+/g, '');
  if (!t.includes('.') && (t.match(/,/g)?.length ?? 0) === 1) t = t.replace(',', '.');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

const withUnit = (n: number, unit: string) => `${n}${unit ? ` ${unit}` : ''}`;

/**
 * Why the value would be refused, or null: the server's rules (lib/plant/write-rules.ts), in
 * the user's words, with the limit named. `step` counts from `min` (or 0).
 */
export function valueProblem(value: number | null, writable: Writable, unit: string): string | null {
  if (value === null) return 'Enter a number, e.g. 190 or 190.5.';
  const broken = limitBroken(value, writable);
  if (broken?.rule === 'min') return `The value must be at least ${withUnit(broken.limit, unit)} (the tag's minimum).`;
  if (broken?.rule === 'max') return `The value must be at most ${withUnit(broken.limit, unit)} (the tag's maximum).`;
  if (broken?.rule === 'step') {
    return `The value must be in steps of ${withUnit(broken.limit, unit)} from ${writable.min ?? 0} (e.g. ${nearestSteps(value, writable).join(' or ')}).`;
  }
  return null;
}

/** The allowed values either side of `value` (within the limits), for the step message. */
function nearestSteps(value: number, w: Writable): string[] {
  const base = w.min ?? 0;
  const step = w.step!;
  const digits = decimalsOf(step) + decimalsOf(base);
  const down = base + Math.floor((value - base) / step) * step;
  return [down, down + step]
    .filter((v) => (w.min === undefined || v >= w.min - 1e-9) && (w.max === undefined || v <= w.max + 1e-9))
    .map((v) => String(Number(v.toFixed(digits))));
}

/** Digits after the point in a number as JavaScript writes it (`0.25` → 2). */
export function decimalsOf(n: number): number {
  const s = String(n);
  const e = /e-(\d+)$/.exec(s);
  if (e) return Number(e[1]);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** `175 … 195 °C, step 1 °C`; `up to 60 bpm`; null when the tag has no limits. */
export function limitsText(w: Writable, unit: string): string | null {
  const u = unit ? ` ${unit}` : '';
  const range =
    w.min !== undefined && w.max !== undefined
      ? `${w.min} … ${w.max}${u}`
      : w.min !== undefined
        ? `at least ${w.min}${u}`
        : w.max !== undefined
          ? `up to ${w.max}${u}`
          : null;
  const step = w.step !== undefined ? `step ${w.step}${u}` : null;
  return range && step ? `${range}, ${step}` : (range ?? step);
}

/**
 * A value as the dialog shows it, with the unit: at least the tag's decimals, more when the
 * value has them (what is sent is never shown rounded).
 */
export function valueText(value: number | null | undefined, tag: Pick<TagView, 'decimals' | 'unit' | 'type'>): string {
  if (value === null || value === undefined) return '—';
  if (tag.type === 'bool') return formatValue(value, 0, 'bool');
  const text = formatValue(value, Math.max(tag.decimals, Math.min(6, decimalsOf(value))), tag.type);
  return tag.unit ? `${text} ${tag.unit}` : text;
}

/** A latched command that runs and stops its line (by its name or label), vs any other switch. */
function runsTheLine(tag: Pick<TagView, 'name' | 'label'>): boolean {
  return /(^|[-_ ])(run|start)([-_ ]|$)/i.test(tag.name) || /\brun command\b/i.test(tag.label);
}

/**
 * What writing `value` to a command does, in words for its button and its choices:
 * `Start line` / `Stop line` for a line's run command, `Switch on` / `Switch off` for other
 * latched commands, `Reset fault` / `Send pulse` for momentary ones.
 */
export function commandAction(tag: Pick<TagView, 'name' | 'label'>, kind: 'momentary' | 'latched', value: 0 | 1): string {
  if (kind === 'momentary') return /reset/i.test(tag.name) ? (/fault/i.test(tag.name) ? 'Reset fault' : 'Reset') : 'Send pulse';
  if (runsTheLine(tag)) return value ? 'Start line' : 'Stop line';
  return value ? 'Switch on' : 'Switch off';
}

/** The question of the confirmation step: old → new in words. */
export function confirmQuestion(
  tag: Pick<TagView, 'name' | 'label' | 'decimals' | 'unit' | 'type'>,
  writable: Writable,
  previous: number | null | undefined,
  next: number,
): string {
  const kind = writeKind(tag, writable);
  if (kind === 'momentary') return `${commandAction(tag, kind, 1)}: send a ${writable.pulseMs} ms pulse to ${tag.label}?`;
  const from = previous === null || previous === undefined ? '' : ` from ${valueText(previous, tag)}`;
  const change = `Change ${tag.label}${from} to ${valueText(next, tag)}?`;
  return kind === 'latched' ? `${commandAction(tag, kind, next ? 1 : 0)}: ${change.charAt(0).toLowerCase()}${change.slice(1)}` : change;
}

/** The result in words: `Confirmed — PLC shows 190 °C`, `Not confirmed: PLC shows 185 °C`, `Pulse sent (500 ms)`. */
export function resultText(answer: WriteAnswer, tag: Pick<TagView, 'decimals' | 'unit' | 'type'>): string {
  if (answer.outcome === 'confirmed' && answer.readBack !== null) return `Confirmed — PLC shows ${valueText(answer.readBack, tag)}`;
  return answer.message.charAt(0).toUpperCase() + answer.message.slice(1);
}
