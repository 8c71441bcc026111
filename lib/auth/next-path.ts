/** Stands in for our own origin where only paths are expected (the server's redirects). */
const placeholderOrigin = 'http://linewatch.invalid';

/**
 * Where to go after signing in: `next` (from the URL, so anyone's to choose) when it leads to
 * this origin, else `/`. Decided the way the browser will read it — `new URL(next, origin)`
 * drops tabs and newlines, turns `\` into `/` and resolves dot segments, so `/\t/evil.example`
 * and `/.//evil.example` are other hosts — and returned as a path that cannot be read as
 * another host (never `//…` or `/\…`).
 *
 * @param origin Our origin (`window.location.origin`); a placeholder when only paths are expected.
 */
export function safeNextPath(next: string | null | undefined, origin: string = placeholderOrigin): string {
  if (!next) return '/';
  let url: URL;
  let base: URL;
  try {
    base = new URL(origin);
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base.origin || (url.protocol !== 'http:' && url.protocol !== 'https:')) return '/';
  const path = url.pathname + url.search + url.hash;
  // The path must mean the same on its own (`location.assign`, a Location header).
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
  return new URL(path, base).origin === base.origin ? path : '/';
}

/** The login page that returns to `path` (a same-origin path, else `/`) after signing in. */
export function loginPath(path: string): string {
  return `/login?next=${encodeURIComponent(safeNextPath(path))}`;
}
