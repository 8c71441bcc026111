import type { ServerResponse } from 'node:http';
import { apiError, isCodedError } from '../../lib/api/respond.ts';
import type { Logger } from '../log/logger.ts';

/** Answers with the one error shape, `{ error: { code, message, field? } }` (the custom server's side of `errorResponse`). */
export function sendError(res: ServerResponse, status: number, code: string, message: string, field?: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(apiError(code, message, field)));
}

/**
 * Answers a request whose handling threw: a coded error (validation, not found, …) with its
 * status, anything else with a 500, logged. A response already under way is cut instead.
 */
export function sendFailure(res: ServerResponse, error: unknown, log: Logger, what: string): void {
  if (!isCodedError(error)) log.error({ err: error }, `${what} failed`);
  if (res.headersSent) return void res.destroy();
  if (isCodedError(error)) sendError(res, error.status, error.code, error.message, error.field);
  else sendError(res, 500, 'LW_INTERNAL', 'internal error');
}
