import { type Plant, tagId } from '../../lib/plant/schema.ts';
import type { ExportRow } from '../storage/history-reader.ts';

/** What an export states about each tag: its label, unit and display decimals (from the plant). */
export interface ExportColumn {
  tag: string;
  label: string;
  unit: string;
  /** Decimals the plant shows the tag with (0–6): values are rounded to them. */
  decimals: number;
}

/** Every tag's column as `plant` describes it, by tag id. */
export function exportColumnsOf(plant: Plant): Map<string, ExportColumn> {
  const columns = new Map<string, ExportColumn>();
  for (const line of plant.lines)
    for (const c of line.connections)
      for (const t of c.tags) {
        const tag = tagId(line.id, t.name);
        columns.set(tag, { tag, label: t.label ?? t.name, unit: t.unit, decimals: t.type === 'bool' ? 0 : t.decimals });
      }
  return columns;
}

/**
 * Header of an export file. RFC 4180: comma-separated, CRLF line ends, UTF-8. Times are
 * ISO 8601 in UTC, and the header says so; every row names its tag's label and unit.
 */
export const CSV_HEADER = 'time (UTC),tag,label,unit,value,quality,reason\r\n';

/**
 * One text field: quoted when it holds a comma, quote or line break; a leading `=`, `+`,
 * `-`, `@`, tab or CR gets a `'` so a spreadsheet shows it as text instead of running it
 * as a formula (CSV injection).
 */
export function csvText(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * A value as the plant shows it: rounded to the tag's decimals (no float32 noise such as
 * `212.42233276367188`), no thousands separators, `.` as the decimal mark. A tag the plant
 * no longer describes keeps 7 significant digits (a float32's precision).
 */
export function csvValue(value: number, decimals: number | undefined): string {
  if (!Number.isFinite(value)) return String(value);
  if (decimals === undefined) return String(Number(value.toPrecision(7)));
  const text = value.toFixed(Math.max(0, Math.min(6, decimals)));
  // `-0.0` reads as a sign error in a spreadsheet.
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/**
 * Formats rows of one export: each tag's label and unit are quoted once, each instant's
 * time once (rows come by time, several tags per instant).
 */
export function createCsvWriter(columns: readonly ExportColumn[]): (row: ExportRow) => string {
  const byTag = new Map(columns.map((c) => [c.tag, { prefix: `${csvText(c.tag)},${csvText(c.label)},${csvText(c.unit)}`, decimals: c.decimals }]));
  let lastTs = Number.NaN;
  let lastIso = '';
  return ([ts, tag, value, quality, reason]) => {
    if (ts !== lastTs) (lastTs = ts), (lastIso = new Date(ts).toISOString());
    const col = byTag.get(tag);
    const prefix = col?.prefix ?? `${csvText(tag)},,`;
    return `${lastIso},${prefix},${value === null ? '' : csvValue(value, col?.decimals)},${quality},${reason === null ? '' : csvText(reason)}\r\n`;
  };
}
