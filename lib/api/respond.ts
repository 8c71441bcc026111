import { z } from 'zod';
import { MediaTypeError, ValidationError } from '../errors.ts';
import { authorize } from '../auth/access-rules.ts';
import { canonicalTarget } from '../auth/request-path.ts';
import { maybePrincipal } from '../auth/principal.ts';
import { findRuntime } from '../runtime-access.ts';

/** The one error shape every route answers with. */
export interface ApiError {
  error: { code: string; message: string; field?: string };
}

/**
 * Errors carry `code` and `status` (lib/errors.ts). Checked by shape, not `instanceof`:
 * route handlers are bundled by Next apart from server/, so classes differ by identity.
 */
export function isCodedError(e: unknown): e is Error & { code: string; status: number; field?: string; details?: Record<string, unknown> } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { status?: unknown }).status === 'number';
}

export function json(data: unknown, init: ResponseInit = {}): Response {
  return Response.json(data, { ...init, headers: { 'cache-control': 'no-store', ...init.headers } });
}

/** The one error shape, as a value (the custom server writes it to Node responses and sockets). */
export function apiError(code: string, message: string, field?: string): ApiError {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

export function errorResponse(status: number, code: string, message: string, field?: string): Response {
  return json(apiError(code, message, field), { status });
}

/** Validates with a zod schema; on failure throws a ValidationError (400) naming the field (`scenario`, `tags[2]`). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // Unknown keys are reported on their parent: name the first unknown key itself.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('') || where;
  throw new ValidationError(`${where}${field === where ? '' : ` field "${field}"`}: ${issue.message}`, { field });
}

/** Reads a JSON body, refusing it (400 naming `body`) past `maxBytes` without buffering more. */
export async function readJson(req: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const tooBig = () => new ValidationError(`body is larger than ${maxBytes} bytes`, { field: 'body' });
  if (Number(req.headers.get('content-length') ?? 0) > maxBytes) throw tooBig();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooBig();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  // A form or text/plain body is what a cross-site form can send without a preflight: JSON only.
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new MediaTypeError(`the body must be application/json${type ? `, not ${type.split(';')[0]}` : ''}`, { field: 'content-type' });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body is not valid JSON', { field: 'body' });
  }
}

/**
 * What a route takes. Left out means "nothing": no query parameter, no path parameter, no
 * body (a request that sends one anyway gets a 400 naming it).
 */
export interface RouteSpec {
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  /** Default 64 KiB. */
  maxBodyBytes?: number;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : Record<string, never>;

/** What the handler gets, validated. The caller is `principalOf(req)` (lib/auth/principal.ts). */
export interface RouteInput<S extends RouteSpec> {
  query: Parsed<S['query']>;
  params: Parsed<S['params']>;
  body: S['body'] extends z.ZodType ? z.output<S['body']> : undefined;
}

/** Next passes path parameters as a promise; routes without any get none (or `{}`). */
type RouteContext = { params?: Promise<Record<string, string | string[] | undefined>> };

const nothing = z.strictObject({});

/** The query as one value per field; a repeated field is refused (400 naming it). */
export function queryFields(params: URLSearchParams): Record<string, string> {
  // No prototype: `constructor` or `__proto__` is a field like any other (refused as unknown).
  const raw: Record<string, string> = Object.create(null);
  for (const [key, value] of params) {
    // `?limit=1&limit=500`: which one counts depends on who reads it; refuse it.
    if (key in raw) throw new ValidationError(`query field "${key}" is given more than once`, { field: key });
    // zod skips this key when it looks for unknown ones: refuse it here rather than let it vanish.
    if (key === '__proto__') throw new ValidationError('query field "__proto__" is not a field of this route', { field: key });
    raw[key] = value;
  }
  return raw;
}

/** A route that takes no body refuses one, rather than ignoring what the caller meant. */
async function noBody(req: Request): Promise<void> {
  const refused = () => new ValidationError('this route takes no body', { field: 'body' });
  // Refused unread when the length is known: Node drains the body after the answer and keeps
  // the connection; cancelling the stream would reset it, answer and all.
  if (Number(req.headers.get('content-length') ?? 0) > 0) throw refused();
  if (!req.body) return;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value.byteLength > 0) {
      await reader.cancel();
      throw refused();
    }
  }
}

/**
 * Wraps a route handler: checks the caller's role against the route's access rule (again:
 * the request guard did, but a handler can be reached past it, e.g. by Next's image
 * optimizer, which fetches local URLs through the router with no cookies), validates query,
 * path parameters and body, and turns coded errors into their status and the one error shape.
 */
export function route<S extends RouteSpec>(spec: S, handler: (req: Request, input: RouteInput<S>) => Promise<Response> | Response) {
  return async (req: Request, context?: RouteContext): Promise<Response> => {
    try {
      const url = new URL(req.url);
      const target = canonicalTarget(url.pathname);
      if (!target.ok) throw new ValidationError(target.problem, { field: 'path' });
      const verdict = authorize(req.method, target.path, maybePrincipal(req.headers)?.role);
      if (!verdict.ok) return errorResponse(verdict.status, verdict.code, verdict.message);
      const query = parse(spec.query ?? nothing, queryFields(url.searchParams), 'query');
      const params = parse(spec.params ?? nothing, (await context?.params) ?? {}, 'params');
      let body: unknown;
      if (spec.body) body = parse(spec.body, await readJson(req, spec.maxBodyBytes));
      else await noBody(req);
      return await handler(req, { query, params, body } as RouteInput<S>);
    } catch (error) {
      if (isCodedError(error)) return json({ ...error.details, ...apiError(error.code, error.message, error.field) }, { status: error.status });
      const failure = { err: error, requestId: req.headers.get('x-request-id'), method: req.method, path: new URL(req.url).pathname };
      const log = findRuntime()?.log;
      if (log) log.error(failure, 'request failed');
      // Only while the server starts or stops, when there is no logger to hand.
      else process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'request failed', ...failure, err: String(error) })}\n`);
      return errorResponse(500, 'LW_INTERNAL', 'internal error');
    }
  };
}
