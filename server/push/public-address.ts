import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../../lib/errors.ts';

/**
 * Which IP addresses the server may open a push connection to: public unicast only. The
 * classification is ipaddr.js's (its special-purpose ranges follow the IANA registries); we
 * only unwrap the IPv6 forms that carry an IPv4 address, so `::ffff:127.0.0.1`,
 * `::ffff:0:7f00:1`, `64:ff9b::a9fe:a9fe` or `2002:0a00:0001::` are judged by the IPv4
 * address inside them.
 */

/** The address's range name (`unicast` for a public address; `loopback`, `private`, `linkLocal`, ... else); `invalid` when it is not an IP address. */
export function addressRange(ip: string): string {
  if (!ipaddr.isValid(ip)) return 'invalid';
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') return addr.range();
  const v6 = addr as ipaddr.IPv6;
  const range = v6.range();
  const p = v6.parts;
  const embedded = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]).range();
  switch (range) {
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 6145).
    case 'ipv4Mapped':
    case 'rfc6145':
      return embedded(p[6]!, p[7]!);
    // NAT64's well-known prefix 64:ff9b::/96 (RFC 6052) holds the IPv4 address in its last 32
    // bits; the local-use 64:ff9b:1::/48 (RFC 8215) is a private network's own.
    case 'rfc6052':
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? embedded(p[6]!, p[7]!) : 'rfc6052';
    // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 for the IPv4 address AA.BB.CC.DD.
    case '6to4':
      return embedded(p[1]!, p[2]!);
    case 'unicast':
      // ::a.b.c.d, the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1): no public host has one.
      return p.slice(0, 6).every((x) => x === 0) ? 'ipv4Compatible' : 'unicast';
    default:
      return range;
  }
}

export const isPublicAddress = (ip: string): boolean => addressRange(ip) === 'unicast';

/** Loopback (127.0.0.0/8, ::1, and their IPv4-mapped forms). */
export const isLoopbackAddress = (ip: string): boolean => addressRange(ip) === 'loopback';

/** Resolves a host name to all its addresses (`dns.lookup`, as `net.connect` would). */
export type Resolver = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, options) => dns.lookup(hostname, { ...options, all: true });

/**
 * A `lookup` for `net`/`tls.connect` that refuses a host name when any of its addresses is
 * not `accept`ed: the decision is made on the addresses the socket will connect to, at
 * connect time, so a name that resolved to a public address when it was checked and to
 * 127.0.0.1 now (DNS rebinding) gets no connection. One unacceptable address refuses them all:
 * a push service has no reason to publish a private one.
 */
export function guardedLookup(accept: (ip: string) => boolean, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options).then(
      (addresses) => {
        const refused = addresses.find((a) => !accept(a.address));
        if (refused || addresses.length === 0) {
          const why = refused ? `a ${addressRange(refused.address)} address` : 'no address';
          callback(new ValidationError(`${hostname} resolves to ${why}, not a public one`, { field: 'subscription.endpoint' }), '', 0);
        } else if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
