import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf, principalOf } from '../../../../lib/auth/principal.ts';
import { endpoint, preferences, subscription } from '../../../../lib/push/push-fields.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** The caller's devices that receive alarm pushes (no keys). */
export const GET = route({}, (req) => json({ subscriptions: getRuntime().push.list(principalOf(req).userId) }));

const postBody = z.strictObject({ subscription, preferences: preferences.default({ lines: null, minPriority: 'high' }) });

/**
 * Stores this device's push subscription (`PushSubscription.toJSON()`) with its preferences,
 * for the signed-in user; posting the same endpoint again updates keys and preferences.
 */
export const POST = route({ body: postBody }, async (req, { body }) => {
  const { userId, session } = principalOf(req);
  const view = await getRuntime().push.subscribe(
    userId,
    { endpoint: body.subscription.endpoint, keys: body.subscription.keys, ...body.preferences, userAgent: req.headers.get('user-agent') ?? '', session },
    actorOf(req),
  );
  return json({ subscription: view }, { status: 201 });
});

/** Removes one of the caller's devices (404 naming `endpoint` when it is not theirs). */
export const DELETE = route({ body: z.strictObject({ endpoint }) }, async (req, { body }) => {
  await getRuntime().push.unsubscribe(principalOf(req).userId, body.endpoint, actorOf(req));
  return json({ deleted: true });
});
