import { UnavailableError } from '../../../lib/errors.ts';
import { mapMethods } from '../map-methods.ts';

/** Error codes of a database that cannot be reached or went away: node's socket errors and PostgreSQL's class 08 and 57P. */
const outageCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03']);
/** What node-postgres says, without a code, when a connection ends or cannot be had. */
const outageMessages = /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed/i;

export function isOutage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (outageCodes.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && outageMessages.test(message);
}

/** `fn`, failing while the database cannot be reached with an UnavailableError naming it (HTTP 503) instead of a driver error (a 500). */
export function unavailableOnOutage<A extends unknown[], R>(fn: (...args: A) => Promise<R>, where: string): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (error) {
      if (isOutage(error)) throw new UnavailableError(`the database (PostgreSQL at ${where}) is unreachable; try again shortly`, { cause: error });
      throw error;
    }
  };
}

/** A repository whose every method is `unavailableOnOutage`. */
export function reportingOutages<T extends object>(repo: T, where: string): T {
  return mapMethods<T>(repo, (method) => unavailableOnOutage(method as (...args: unknown[]) => Promise<unknown>, where));
}
