import { pino, type Logger, type LevelWithSilent } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export type { Logger };
export type LogLevel = LevelWithSilent;
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** `json` (one object per line, for a log shipper) or `pretty` (a terminal). Default: `pretty` when stdout is a TTY. */
  format?: 'json' | 'pretty';
  /** Where lines go; default stdout. Tests pass a capturing stream. */
  destination?: NodeJS.WritableStream;
}

/**
 * The one logger of a process, made at start and handed down; each part takes a child
 * (`log.child({ part: 'poller', connection })`). Fields are JSON-escaped, so a user name with a
 * newline cannot forge a line.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const settings = {
    level: options.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    // pid tells the processes of one install apart; hostname is the log shipper's business.
    base: { pid: process.pid },
    // Level names, not pino's numbers: what a reader of the file or a shipper's filter expects.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'pretty') {
    // Synchronous in this thread (no transport worker): a terminal's log volume is small.
    return pino(
      settings,
      prettyStream({
        colorize: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,part',
        messageFormat: '{if part}{part}: {end}{msg}',
        sync: true,
        destination: options.destination ?? 1,
      }),
    );
  }
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

/** The logger of a child process or thread: same level and format as its parent (they travel in the environment). */
export function loggerFromEnv(bindings: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = logLevels.find((l) => l === env.LINEWATCH_LOG_LEVEL) ?? 'info';
  const format = env.LINEWATCH_LOG_FORMAT === 'json' || env.LINEWATCH_LOG_FORMAT === 'pretty' ? env.LINEWATCH_LOG_FORMAT : undefined;
  return createLogger({ level, format }).child(bindings);
}

/** A logger that writes nothing (tests and benches that do not read logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A log record as it crosses an IPC channel from a child process to the parent's logger. */
export interface LogRecord {
  level: string;
  msg?: string;
  [field: string]: unknown;
}

/**
 * The logger of a child process whose parent owns the output: each record goes to `send`
 * (the IPC channel) and the parent writes it with `relayLog`, under its own settings.
 */
export function relayingLogger(send: (record: LogRecord) => void, level: LogLevel): Logger {
  return pino(
    { level, base: undefined, timestamp: false, formatters: { level: (label: string) => ({ level: label }) } },
    { write: (line: string) => send(JSON.parse(line) as LogRecord) },
  );
}

/** Writes a child's record with the parent's logger (which adds its own bindings, e.g. `part`). */
export function relayLog(log: Logger, record: LogRecord): void {
  const { level, msg, ...fields } = record;
  const write = logLevels.find((l) => l === level && l !== 'silent') ?? 'info';
  log[write as Exclude<LogLevel, 'silent'>](fields, msg ?? '');
}
