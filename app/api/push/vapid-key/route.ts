import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** The server's VAPID public key (base64url), the `applicationServerKey` browsers subscribe with. */
export const GET = route({}, () => json({ publicKey: getRuntime().push.publicKey() }));
