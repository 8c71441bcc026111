import { UnavailableError } from '../../../lib/errors.ts';

/** Error codes of a database that cannot be reached or went away: node's socket errors and PostgreSQL's class 08 and 57P. */
const outageCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03']);
/** What node-postgres says, without a code, when a connection ends or cannot be had. */
const outageMessages = /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed/i;

export function isOutage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (outageCodes.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && outageMessages.test(message);
}

/**
 * A repository whose calls fail, while the database cannot be reached, with an
 * UnavailableError naming it (HTTP 503, "PostgreSQL at postgres://…:5432/db is unreachable")
 * instead of a driver error that would be a 500. Other errors pass unchanged.
 */
export function reportingOutages<T extends object>(repo: T, where: string): T {
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(repo)) {
    out[name] =
      typeof member === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (member as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
            } catch (error) {
              if (isOutage(error)) throw new UnavailableError(`the database (PostgreSQL at ${where}) is unreachable; try again shortly`, { cause: error });
              throw error;
            }
          }
        : member;
  }
  return out as T;
}
