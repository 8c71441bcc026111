import { json, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Every child process with status, pid, start time, exit info and output tail. */
export const GET = route({}, () => json({ processes: getRuntime().processes() }));
