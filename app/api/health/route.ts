import { json, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

export const GET = route({}, () => json(getRuntime().health()));
