import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isoTime } from '../../lib/api/fields.ts';
import { parse, queryFields } from '../../lib/api/respond.ts';
import { ValidationError } from '../../lib/errors.ts';
import { sendFailure } from '../http/send-error.ts';
import type { Logger } from '../log/logger.ts';
import { MAX_TREND_TAGS, MAX_TREND_WIDTH, MIN_TREND_WIDTH } from '../../lib/history/trend.ts';
import type { Runtime } from '../runtime.ts';

export interface HistoryEndpoint {
  /** Serves `GET /api/history` (after the request guard let it through); false leaves the request to others. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const tagId = z.string().min(1).max(81);

const rawQuery = z.strictObject({
  tag: tagId,
  from: isoTime,
  to: isoTime,
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});

const trendQuery = z.strictObject({
  tags: z
    .string()
    .max(MAX_TREND_TAGS * 82)
    .transform((s) => s.split(','))
    .pipe(z.array(tagId).min(1).max(MAX_TREND_TAGS)),
  from: isoTime,
  to: isoTime,
  width: z.coerce.number().int().min(MIN_TREND_WIDTH).max(MAX_TREND_WIDTH),
});

/** Two shapes: `width` asks for a trend. */
function parseQuery(url: URL) {
  const raw = queryFields(url.searchParams);
  if (!('width' in raw)) return { kind: 'raw' as const, ...parse(rawQuery, raw, 'query') };
  // `tag=x` is accepted as a one-tag `tags`.
  const { tag, ...rest } = raw;
  return { kind: 'trend' as const, ...parse(trendQuery, tag !== undefined && rest.tags === undefined ? { ...rest, tags: tag } : raw, 'query') };
}

/**
 * `GET /api/history`. With `width`: trends of `tags` (comma-separated, up to 8) over
 * [from, to] (ISO 8601), downsampled to at most ~4 points per pixel; each series says its
 * resolution. Without: raw points of one `tag`, oldest first, at most `limit`.
 *
 * Served by the custom server, not a Next route handler, and the answer is made whole in a
 * query worker (read, serialised, gzipped): what is left on the main thread is routing
 * bytes. Next's per-request work (a few ms each, in bursts when several supervisors zoom at
 * once), then compressing and holding the answers on the main thread, delayed the live stream.
 */
export function createHistoryEndpoint(runtime: () => Runtime, log: Logger): HistoryEndpoint {
  async function answer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'])
      throw new ValidationError('this route takes no body', { field: 'body' });
    const q = parseQuery(url);
    const encoding = { gzip: /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) };
    const { body } =
      q.kind === 'trend'
        ? await runtime().trend({ tags: q.tags, from: q.from, to: q.to, width: q.width }, encoding)
        : await runtime().history(q.tag, q.from, q.to, q.limit, encoding);
    if (res.destroyed) return;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store', vary: 'accept-encoding' };
    if (body.gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(200, { ...headers, 'content-length': String(body.bytes.byteLength) }).end(Buffer.from(body.bytes));
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/history' || req.method !== 'GET') return false;
      answer(req, res, url).catch((error: unknown) => sendFailure(res, error, log, `GET ${req.url}`));
      return true;
    },
  };
}
