/**
 * Requests a page makes by itself (polling, refreshes, prefetches, stream reconnects) must not
 * count as the user's activity: an unattended screen would otherwise never reach its idle
 * timeout. The client's fetch helper marks its own with this header; the server's session
 * lookup leaves such requests' last-seen time alone.
 */
export const backgroundHeader = 'x-linewatch-background';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Whether a request (Node's lower-case headers) was made without the user: marked by our
 * client, a Next router prefetch, a browser speculative load (`Sec-Purpose: prefetch`), or an
 * event stream (opened with its page and reopened by the browser on its own).
 */
export function isBackgroundRequest(headers: Headers): boolean {
  if (first(headers[backgroundHeader]) === '1') return true;
  if (first(headers['next-router-prefetch']) === '1') return true;
  if (/\bprefetch\b/i.test(first(headers['sec-purpose']) ?? first(headers.purpose) ?? '')) return true;
  return /^text\/event-stream\b/i.test(first(headers.accept) ?? '');
}
