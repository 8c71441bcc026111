import { isIP } from 'node:net';
import { isPublicAddress } from './public-address.ts';

/**
 * Which push endpoints the server will POST to. The URL comes from a browser, so it is
 * untrusted: the server must not become a way to reach hosts on this machine or a private
 * network, nor a port scanner. So, by default, only HTTPS on port 443 to the push services
 * browsers use; an admin may allow more hosts (`LINEWATCH_PUSH_ALLOWED_HOSTS`). This is the
 * check of the text; the addresses a name resolves to are checked again when connecting
 * (public-address.ts), since DNS may answer differently then.
 */

/** A host the server may send pushes to: `host` exactly, or any name under it when `wildcard`; on `port`. */
export interface HostPattern {
  host: string;
  wildcard: boolean;
  port: number;
}

/**
 * The push services of the browsers in use: Chrome, Edge on Android, Opera and Samsung
 * Internet (FCM), Firefox (Mozilla autopush), Safari (Apple), Edge on Windows (WNS).
 */
export const knownPushServices = ['fcm.googleapis.com', '*.push.services.mozilla.com', '*.push.apple.com', '*.notify.windows.com'] as const;

const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const patternSyntax = new RegExp(`^(\\*\\.)?(${label}(?:\\.${label})+)(?::(\\d{1,5}))?$`);

/** Names that are this machine's or a private network's by definition. */
const localName = (host: string) => ['localhost', 'local', 'internal', 'home.arpa', 'lan'].some((s) => host === s || host.endsWith(`.${s}`));

/**
 * A host pattern as an admin writes it: `push.example.com`, `*.example.net` (any name under
 * it, not itself), either with `:port` (default 443). Returns the problem as text when it is not one.
 */
export function parseHostPattern(text: string): HostPattern | string {
  const m = patternSyntax.exec(text.trim().toLowerCase());
  if (!m) return `"${text}" is not a host name pattern (like push.example.com, *.example.net or push.example.com:8443)`;
  const [, star, host, port] = m as unknown as [string, string | undefined, string, string | undefined];
  // A top-level domain is never all digits: that is an IPv4 address (or half of one).
  if (/(^|\.)\d+$/.test(host)) return `"${text}" is an IP address: name the push service's host`;
  if (localName(host)) return `"${text}" is a local name: pushes go to public push services only`;
  if (star && !host.includes('.')) return `"${text}" is too wide: name a domain below the top level`;
  const portNumber = port === undefined ? 443 : Number(port);
  if (portNumber < 1 || portNumber > 65535) return `"${text}" has no valid port`;
  return { host, wildcard: Boolean(star), port: portNumber };
}

export const defaultHostPatterns: readonly HostPattern[] = knownPushServices.map((p) => parseHostPattern(p) as HostPattern);

export function hostMatches(pattern: HostPattern, host: string, port: number): boolean {
  if (pattern.port !== port) return false;
  return pattern.wildcard ? host.endsWith(`.${pattern.host}`) : host === pattern.host;
}

export interface EndpointPolicy {
  /** Hosts allowed besides the known push services. Default none. */
  allowedHosts?: readonly HostPattern[];
  /** TEST ONLY: accept `http://` to 127.0.0.1, [::1] or localhost, where a test's capture server listens. Default false. */
  allowLoopbackHttp?: boolean;
}

/** Why the server will not send to `raw`, or null when it will (as far as the text tells). */
export function endpointProblem(raw: string, policy: EndpointPolicy = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'http:' && policy.allowLoopbackHttp && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) return null;
  if (url.protocol !== 'https:') return 'must be an https: URL';
  // The URL parser has already made IP literals canonical (`0x7f.1` → 127.0.0.1, `[::ffff:127.0.0.1]` → [::ffff:7f00:1]).
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  if (isIP(host) ? !isPublicAddress(host) : localName(host)) return 'must be a public push service';
  const port = url.port === '' ? 443 : Number(url.port);
  const allowed = [...defaultHostPatterns, ...(policy.allowedHosts ?? [])];
  if (!allowed.some((p) => hostMatches(p, host, port))) return `must be a push service this server sends to (${url.host} is not one)`;
  return null;
}
