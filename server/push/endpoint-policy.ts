import { isIP } from 'node:net';

/**
 * Which push endpoints the server will POST to. The URL comes from a browser, so it is
 * untrusted: HTTPS only (RFC 8030 requires it), no credentials in it, and no host on this
 * machine or a private network (the server must not become a way to reach those). Tests
 * may allow plain HTTP to loopback, where their capture server listens.
 */
export function endpointProblem(raw: string, allowLoopbackHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '::1';
  if (url.protocol === 'http:') return allowLoopbackHttp && loopback ? null : 'must be an https: URL';
  if (url.protocol !== 'https:') return 'must be an https: URL';
  if (loopback || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return 'must be a public push service';
  if (isIP(host) && isPrivateAddress(host)) return 'must be a public push service';
  return null;
}

/** Loopback, private, link-local, CGNAT, unspecified and unique-local addresses. */
export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = ip.toLowerCase();
  if (v6 === '::' || v6 === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return isPrivateAddress(mapped[1]!);
  return /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}
