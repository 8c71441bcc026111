import { Readable } from 'node:stream';
import { z } from 'zod';
import { route } from '../../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The CSV file of a succeeded export, streamed (from disk, or from the store in scale-out). 409 while it is not done. */
export const GET = route({ params }, async (_req, { params: { id } }) => {
  const file = await getRuntime().jobs.result(id);
  const body = Readable.toWeb(file.body) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(file.bytes),
      // The name is ours (`linewatch-export-<id>.csv`), never user input.
      'content-disposition': `attachment; filename="${file.filename}"`,
      'cache-control': 'no-store',
    },
  });
});
