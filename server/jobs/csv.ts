import type { ExportRow } from '../storage/history-reader.ts';

/** Header of an export file. RFC 4180: comma-separated, CRLF line ends, UTF-8. */
export const CSV_HEADER = 'time,tag,value,quality,reason\r\n';

/**
 * One text field: quoted when it holds a comma, quote or line break; a leading `=`, `+`,
 * `-`, `@`, tab or CR gets a `'` so a spreadsheet shows it as text instead of running it
 * as a formula (CSV injection).
 */
export function csvText(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

let lastTs = Number.NaN;
let lastIso = '';

/** One sample as a CSV line: ISO 8601 UTC time, tag, value (empty when none), quality, reason. */
export function csvLine([ts, tag, value, quality, reason]: ExportRow): string {
  // Rows come by time, several tags per instant: format each instant once.
  if (ts !== lastTs) (lastTs = ts), (lastIso = new Date(ts).toISOString());
  return `${lastIso},${csvText(tag)},${value === null ? '' : String(value)},${quality},${reason === null ? '' : csvText(reason)}\r\n`;
}
