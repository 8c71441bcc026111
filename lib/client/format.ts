/**
 * Display formatting shared by the pages. Pure functions; a fixed locale (`en-US`) so the
 * server render and the browser's hydration produce the same text.
 */

/** Thousands separators for the integer digits of a `toFixed` text. */
const groups = /\B(?=(\d{3})+(?!\d))/g;

/**
 * A number with exactly `decimals` decimals (0–6) and `,` thousands separators, as `en-US`
 * writes it. Not `Intl.NumberFormat`: its first use in a page costs tens of ms (locale data),
 * on the critical path of the first render. `toFixed` rounds the exact binary value, as Intl does.
 */
function formatNumber(value: number, decimals: number): string {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return String(value);
  const fixed = value.toFixed(decimals);
  const dot = fixed.indexOf('.');
  const int = dot < 0 ? fixed : fixed.slice(0, dot);
  return int.replace(groups, ',') + (dot < 0 ? '' : fixed.slice(dot));
}

/** A tag value with its tag's decimals; bools as `On`/`Off`; `—` when there is no value. */
export function formatValue(value: number | null | undefined, decimals: number, type?: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (type === 'bool') return value ? 'On' : 'Off';
  return formatNumber(value, Math.max(0, Math.min(6, decimals)));
}

/** How long ago, for ticking ages: `now`, `12 s ago`, `4 min 05 s ago`, `2 h 03 min ago`, `3 d 4 h ago`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return 'now';
  return `${formatDuration(ms)} ago`;
}

/** A duration, whole seconds: `12 s`, `4 min 05 s`, `2 h 03 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${pad(m % 60)} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Wall-clock time of day in the browser's zone, 24 h: `14:03:07`. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
