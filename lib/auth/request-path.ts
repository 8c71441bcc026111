/**
 * The one canonical form of a request target's path, so that the path the access rules check
 * is the path that gets served. Parsers disagree on raw targets: the WHATWG URL parser reads
 * `//api/x` as a host, resolves `/x/../api/ws` and drops `#…`, while a plain string compare
 * or Next's router does not. So every escape is decoded once, anything whose meaning depends
 * on who decodes it is refused, and the rest is re-encoded only where a URL needs it.
 */
export type CanonicalTarget = { ok: true; path: string; search: string } | { ok: false; problem: string };

/** Characters a browser percent-encodes in a path (WHATWG path percent-encode set), `%`, non-ASCII. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const needsEscape = /[\u0000-\u0020"#%<>?`{}\u007f]|[^\u0000-\u007f]/gu;

/**
 * Refused (the reason is returned): a target that is not origin-form (`/…`), a fragment, a
 * backslash, malformed or double escapes (`%zz`, `%2561`), encoded slashes, control
 * characters, `.`/`..` segments and empty segments (`//`). A trailing slash is kept.
 */
export function canonicalTarget(target: string): CanonicalTarget {
  if (!target.startsWith('/')) return { ok: false, problem: 'the request target must be a path' };
  if (target.includes('#')) return { ok: false, problem: 'the request target has a fragment' };
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  const search = q === -1 ? '' : target.slice(q);
  const segments = raw.slice(1).split('/');
  const decoded: string[] = [];
  for (const [i, segment] of segments.entries()) {
    if (segment.includes('\\')) return { ok: false, problem: 'the path has a backslash' };
    let s: string;
    try {
      s = decodeURIComponent(segment);
    } catch {
      return { ok: false, problem: 'the path has a malformed percent-escape' };
    }
    if (s.includes('/') || s.includes('\\')) return { ok: false, problem: 'the path has an encoded slash' };
    if (s.includes('%')) return { ok: false, problem: 'the path is encoded twice' };
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    if (/[\u0000-\u001f\u007f]/.test(s)) return { ok: false, problem: 'the path has a control character' };
    if (s === '.' || s === '..') return { ok: false, problem: 'the path has a dot segment' };
    if (s === '' && i < segments.length - 1) return { ok: false, problem: 'the path has an empty segment' };
    decoded.push(s);
  }
  return { ok: true, path: '/' + decoded.map((s) => s.replace(needsEscape, (c) => encodeURIComponent(c))).join('/'), search };
}
