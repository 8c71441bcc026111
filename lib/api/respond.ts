import type { z } from 'zod';

/** The one error shape every route answers with. */
export interface ApiError {
  error: { code: string; message: string; field?: string };
}

/**
 * Errors carry `code` and `status` (server/errors.ts). Checked by shape, not `instanceof`:
 * route handlers are bundled by Next apart from server/, so classes differ by identity.
 */
function isCodedError(e: unknown): e is Error & { code: string; status: number; field?: string } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { status?: unknown }).status === 'number';
}

export function json(data: unknown, init: ResponseInit = {}): Response {
  return Response.json(data, { ...init, headers: { 'cache-control': 'no-store', ...init.headers } });
}

export function errorResponse(status: number, code: string, message: string, field?: string): Response {
  const body: ApiError = { error: { code, message, ...(field ? { field } : {}) } };
  return json(body, { status });
}

/** Thrown by `parse`: a 400 naming the first bad field. */
export class BadRequest extends Error {
  readonly code = 'LW_VALIDATION';
  readonly status = 400;
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** Validates with a zod schema; on failure throws a 400 naming the field (`scenario`, `tags[2]`). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // Unknown keys are reported on their parent: name the first unknown key itself.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('') || where;
  throw new BadRequest(`${where}${field === where ? '' : ` field "${field}"`}: ${issue.message}`, field);
}

/** Reads a JSON body, refusing it (400 naming `body`) past `maxBytes` without buffering more. */
export async function readJson(req: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const tooBig = () => new BadRequest(`body is larger than ${maxBytes} bytes`, 'body');
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
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body is not valid JSON', 'body');
  }
}

type Handler<C> = (req: Request, context: C) => Promise<Response> | Response;

/** Wraps a route handler: coded errors become their status and the one error shape. */
export function route<C>(handler: Handler<C>): Handler<C> {
  return async (req, context) => {
    try {
      return await handler(req, context);
    } catch (error) {
      if (isCodedError(error)) return errorResponse(error.status, error.code, error.message, error.field);
      console.error(`${req.method} ${new URL(req.url).pathname} failed:`, error);
      return errorResponse(500, 'LW_INTERNAL', 'internal error');
    }
  };
}
