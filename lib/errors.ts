/**
 * Every error Linewatch raises on purpose, in one place. Each has a stable `code` (clients
 * and tests match on it) and the HTTP status a route answers with.
 */
export class LinewatchError extends Error {
  readonly code: string = 'LW_INTERNAL';
  readonly status: number = 500;
  /** Offending field, as a path (`scenario`, `lines[1].tags[3].address`). */
  readonly field?: string;
  /** More for the client, answered beside `error` (every problem of a plant, the version applied meanwhile). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; field?: string; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.field = options.field;
    this.details = options.details;
  }
}

export class ConfigError extends LinewatchError {
  override readonly code = 'LW_CONFIG';
  readonly problems: string[];
  constructor(message: string, options: { cause?: unknown; problems?: string[] } = {}) {
    super(message, options);
    this.problems = options.problems ?? [message];
  }
}

export class ValidationError extends LinewatchError {
  override readonly code = 'LW_VALIDATION';
  override readonly status = 400;
}

export class AuthError extends LinewatchError {
  override readonly code = 'LW_UNAUTHENTICATED';
  override readonly status = 401;
}

/** Too many failed logins for an account or an IP: wait `retryAfterMs`. */
export class ThrottledError extends LinewatchError {
  override readonly code = 'LW_THROTTLED';
  override readonly status = 429;
  constructor(readonly retryAfterMs: number) {
    super(`too many failed logins: retry in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** The caller's role is enough for the route, but not for this object (e.g. someone else's job). */
export class ForbiddenError extends LinewatchError {
  override readonly code = 'LW_FORBIDDEN';
  override readonly status = 403;
}

/** A per-user or per-client limit is reached (jobs waiting, test pushes, …): the message says which. */
export class LimitError extends LinewatchError {
  override readonly code = 'LW_LIMIT';
  override readonly status = 429;
}

/** A body that is not `application/json` on a route that reads JSON. */
export class MediaTypeError extends LinewatchError {
  override readonly code = 'LW_MEDIA_TYPE';
  override readonly status = 415;
}

export class NotFoundError extends LinewatchError {
  override readonly code = 'LW_NOT_FOUND';
  override readonly status = 404;
}

export class ConflictError extends LinewatchError {
  override readonly code = 'LW_CONFLICT';
  override readonly status = 409;
}

export class UnavailableError extends LinewatchError {
  override readonly code = 'LW_UNAVAILABLE';
  override readonly status = 503;
}

/** A Modbus request that did not get a usable answer; `reason` ends up in the sample's quality. */
export class ModbusReadError extends LinewatchError {
  override readonly code = 'LW_MODBUS_READ';
  readonly reason: string;
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`modbus read failed: ${reason}`, options);
    this.reason = reason;
  }
}

/** An alarm action its current state does not allow (ISA-18.2), e.g. acknowledging a normal alarm. */
export class AlarmStateError extends LinewatchError {
  override readonly code = 'LW_ALARM_STATE';
  override readonly status = 409;
}

/** The local spool (server/spool/) cannot be used: its directory is held by another live process, or it is closed. */
export class SpoolError extends LinewatchError {
  override readonly code = 'LW_SPOOL';
}
