import { z } from 'zod';
import { parse, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';
import { formatRetry, formatSse } from '../../../lib/stream/sse-format.ts';

export const dynamic = 'force-dynamic';

const query = z.strictObject({ line: z.string().max(40).optional(), lastEventId: z.coerce.number().int().optional() });

/**
 * Live stream (SSE): a snapshot first (or the replay after `Last-Event-ID`), then `sample`,
 * `line`, `process`, `alarm`, `job` events with ids, and a `heartbeat` every 15 s.
 */
export const GET = route((req) => {
  const q = parse(query, Object.fromEntries(new URL(req.url).searchParams), 'query');
  const header = req.headers.get('last-event-id');
  const lastEventId = header !== null && /^\d+$/.test(header) ? Number(header) : q.lastEventId;
  const runtime = getRuntime();
  const encoder = new TextEncoder();
  let session: ReturnType<typeof runtime.openStream> | undefined;
  let pump = () => {};

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(formatRetry(2000)));
        session = runtime.openStream('sse', { lastEventId, line: q.line });
        pump = () => {
          // Only take from the session while the client keeps up: otherwise its queue coalesces.
          if ((controller.desiredSize ?? 0) <= 0 || !session) return;
          const messages = session.take();
          if (messages.length > 0) controller.enqueue(encoder.encode(messages.map(formatSse).join('')));
        };
        session.onReadable(pump);
        req.signal.addEventListener('abort', () => session?.close());
      },
      pull() {
        pump();
      },
      cancel() {
        session?.close();
      },
    },
    { highWaterMark: 16 },
  );

  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
});
