import { z } from 'zod';
import { json, parse, route } from '../../../lib/api/respond.ts';
import { MAX_TREND_TAGS, MAX_TREND_WIDTH, MIN_TREND_WIDTH } from '../../../lib/history/trend.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const isoTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
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
function query(raw: Record<string, string>) {
  if (!('width' in raw)) return { kind: 'raw' as const, ...parse(rawQuery, raw, 'query') };
  // `tag=x` is accepted as a one-tag `tags`.
  const { tag, ...rest } = raw;
  return { kind: 'trend' as const, ...parse(trendQuery, tag !== undefined && rest.tags === undefined ? { ...rest, tags: tag } : raw, 'query') };
}

/**
 * With `width`: trends of `tags` (comma-separated, up to 8) over [from, to] (ISO 8601),
 * downsampled to at most ~4 points per pixel; each series says its resolution (`raw` or `1m`).
 * Without: raw points of one `tag`, oldest first, at most `limit`.
 */
export const GET = route({ query }, async (_req, { query: q }) => {
  if (q.kind === 'trend') {
    const { kind: _kind, ...trend } = q;
    // Already JSON text (a TrendResponse), written by the query workers.
    const answer = await getRuntime().trend(trend);
    return new Response(answer.json, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
  }
  const { points, truncated } = await getRuntime().history(q.tag, q.from, q.to, q.limit);
  return json({ tag: q.tag, from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), resolution: 'raw', truncated, points });
});
