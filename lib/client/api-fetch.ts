import { backgroundHeader } from '../auth/background.ts';
import { loginPath } from '../auth/next-path.ts';
import { isBackgroundRequestNow } from './user-input.ts';

/** JSON fetch for SWR and actions: throws an Error carrying the API's message and field. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
    /** The whole JSON answer, for errors that say more than `error` (a plant's problems, a conflict). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/**
 * Requests made without recent user input (SWR refresh intervals, polling) carry
 * `X-Linewatch-Background: 1`, so they do not keep the session from its idle timeout.
 */
export async function apiFetch<T>(url: string, init?: RequestInit): Promise<T> {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (isBackgroundRequestNow()) headers.set(backgroundHeader, '1');
  for (const [name, value] of new Headers(init?.headers)) headers.set(name, value);
  const res = await fetch(url, { ...init, headers });
  if (res.status === 401 && typeof window !== 'undefined') {
    window.location.assign(loginPath(window.location.pathname + window.location.search));
  }
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiRequestError(body?.error?.message ?? `${res.status} ${res.statusText}`, res.status, body?.error?.field, body ?? undefined);
  return body as T;
}
