import { route } from '../../lib/api/respond.ts';
import { getRuntime } from '../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Prometheus exposition of this instance's registry. */
export const GET = route({}, async () => {
  const { registry } = getRuntime().metrics;
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
});
