import type { PushDelivery } from '../../lib/push/push-types.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { PushPost } from './push-http.ts';
import { pushRequest, type PushMessage, type PushRequest } from './push-request.ts';
import { retryAfterMs } from './retry-policy.ts';

/**
 * The push service's answer to one attempt. `error` is what the subscription's owner sees
 * (on the settings page, or as a test's answer): the status and its reason phrase, never the
 * push service's body — that goes to `detail`, for the server's log only.
 */
export interface Outcome extends PushDelivery {
  retryAfterMs?: number;
  /** Refused by the endpoint policy: no request was made, and a retry would be refused again. */
  refused?: boolean;
  /** For the log: the body of a refusal, or the network error. */
  detail?: string;
}

export interface AttemptContext {
  /** The VAPID Authorization header for a push to `endpoint`. */
  authorization(endpoint: string): string;
  post: PushPost;
  /** Why the server will not send to `endpoint` now (the policy may have changed since it was stored), or null. */
  endpointProblem?(endpoint: string): string | null;
  /** Aborts every request (stop). */
  abort: AbortSignal;
  timeoutMs: number;
  now(): number;
  /** The request is about to leave (encrypted and signed). */
  onRequest?(): void;
}

/** One attempt: check the endpoint, encrypt, sign, POST; the push service's answer (never throws). */
export async function attempt(message: PushMessage, c: AttemptContext): Promise<Outcome> {
  const problem = c.endpointProblem?.(message.sub.endpoint);
  if (problem) return { delivered: false, status: null, error: `refused: the endpoint ${problem}`, refused: true };
  let request: PushRequest;
  try {
    request = pushRequest(message, c.authorization(message.sub.endpoint));
  } catch (error) {
    return { delivered: false, status: null, error: `cannot encrypt for this subscription: ${(error as Error).message}` };
  }
  c.onRequest?.();
  const timeout = AbortSignal.timeout(c.timeoutMs);
  try {
    const res = await c.post(request.url, { headers: request.headers, body: request.body, signal: AbortSignal.any([c.abort, timeout]) });
    const body = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return { delivered: true, status: res.status, error: null };
    return {
      delivered: false,
      status: res.status,
      error: `${res.status} ${res.statusText.slice(0, 100)}`.trim(),
      retryAfterMs: retryAfterMs(res.headers.get('retry-after'), c.now()),
      ...(body && { detail: body.slice(0, 200) }),
    };
  } catch (error) {
    if (error instanceof ValidationError) return { delivered: false, status: null, error: `refused: ${error.message}`, refused: true };
    if (timeout.aborted) return { delivered: false, status: null, error: `no answer within ${c.timeoutMs} ms` };
    if (c.abort.aborted) return { delivered: false, status: null, error: 'stopped before the push service answered' };
    const e = error as NodeJS.ErrnoException;
    return { delivered: false, status: null, error: `could not reach the push service${e.code ? ` (${e.code})` : ''}`, detail: e.message };
  }
}
