import { pino } from 'pino';
import type { Logger } from '../../server/log/logger.ts';

export interface CapturedLog {
  log: Logger;
  /** One string per record: `level msg {fields}`, for `includes`/`match` assertions. */
  lines: string[];
  /** The records as written (level name, msg and every field). */
  records: Record<string, unknown>[];
}

/** A real pino logger (all levels) whose records are kept in memory for a test to read. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const records: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'trace', base: undefined, timestamp: false, formatters: { level: (label: string) => ({ level: label }) } },
    {
      write(line: string) {
        const record = JSON.parse(line) as Record<string, unknown>;
        records.push(record);
        const { level, msg, ...fields } = record;
        lines.push(`${String(level)} ${String(msg ?? '')} ${JSON.stringify(fields)}`);
      },
    },
  );
  return { log, lines, records };
}
