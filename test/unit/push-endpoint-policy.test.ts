import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import { loadConfig } from '../../server/config.ts';
import { endpointProblem, type EndpointPolicy, type HostPattern, parseHostPattern } from '../../server/push/endpoint-policy.ts';
import { addressRange, guardedLookup, isPublicAddress, type Resolver } from '../../server/push/public-address.ts';

const local = 'must be a public push service';
const https = 'must be an https: URL';
const notOne = (host: string) => `must be a push service this server sends to (${host} is not one)`;

test('endpoint policy: by default https on port 443 to the known push services only', () => {
  const table: [string, string | null][] = [
    ['https://fcm.googleapis.com/fcm/send/abc', null],
    ['https://fcm.googleapis.com/wp/abc', null],
    ['https://updates.push.services.mozilla.com/wpush/v2/x', null],
    ['https://web.push.apple.com/QGx', null],
    ['https://wns2-par02p.notify.windows.com/w/?token=x', null],
    ['https://fcm.googleapis.com./fcm/send/abc', null],
    ['https://FCM.GoogleAPIs.com:443/fcm/send/abc', null],
    ['https://fcm.googleapis.com:8443/fcm/send/abc', notOne('fcm.googleapis.com:8443')],
    ['https://push.services.mozilla.com/x', notOne('push.services.mozilla.com')],
    ['https://fcm.googleapis.com.evil.example/x', notOne('fcm.googleapis.com.evil.example')],
    ['https://evil.example/fcm.googleapis.com/x', notOne('evil.example')],
    ['https://push.example.com/x', notOne('push.example.com')],
    ['https://8.8.8.8/x', notOne('8.8.8.8')],
    ['http://fcm.googleapis.com/fcm/send/abc', https],
    ['ftp://fcm.googleapis.com/x', https],
    ['https://user:pw@fcm.googleapis.com/x', 'must not contain credentials'],
    ['not a url', 'must be an absolute URL'],
  ];
  for (const [url, expected] of table) assert.equal(endpointProblem(url, {}), expected, url);
});

test('endpoint policy: loopback, private and link-local hosts are refused in every spelling (issue 17)', () => {
  const urls = [
    'https://127.0.0.1/push',
    'https://127.1/push',
    'https://0x7f000001/push',
    'https://2130706433/push',
    'https://localhost/push',
    'https://localhost./push',
    'https://foo.localhost./push',
    'https://printer.local/push',
    'https://metadata.internal/push',
    'https://192.168.1.10/push',
    'https://10.1.2.3/push',
    'https://100.64.0.1/push',
    'https://169.254.169.254/latest',
    'https://0.0.0.0/push',
    'https://224.0.0.1/push',
    'https://[::1]/push',
    'https://[::]/push',
    'https://[fd00::1]/push',
    'https://[fe80::1]/push',
    'https://[ff02::1]/push',
    'https://[::ffff:127.0.0.1]/push',
    'https://[::ffff:7f00:1]/push',
    'https://[0:0:0:0:0:ffff:7f00:1]/push',
    'https://[::ffff:a9fe:a9fe]/latest',
    'https://[::ffff:0:7f00:1]/push',
    'https://[64:ff9b::a9fe:a9fe]/latest',
    'https://[64:ff9b::7f00:1]/push',
    'https://[64:ff9b:1::a]/push',
    'https://[2002:7f00:1::]/push',
    'https://[2002:a00:1::1]/push',
    'https://[::127.0.0.1]/push',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/push',
  ];
  for (const url of urls) {
    assert.equal(endpointProblem(url, {}), local, url);
    // Allowing plain http to loopback (tests) widens nothing for https, nor for other spellings.
    assert.equal(endpointProblem(url, { allowLoopbackHttp: true }), local, url);
    const http = url.replace('https:', 'http:');
    const hatch = ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(http).hostname);
    assert.equal(endpointProblem(http, { allowLoopbackHttp: true }), hatch ? null : https, http);
  }
});

test('endpoint policy: an admin widens the hosts; the test-only loopback http is exact', () => {
  const allowedHosts = ['push.example.com', '*.example.net', 'push.example.org:8443'].map((p) => parseHostPattern(p) as HostPattern);
  const table: [string, EndpointPolicy, string | null][] = [
    ['https://push.example.com/x', { allowedHosts }, null],
    ['https://a.b.example.net/x', { allowedHosts }, null],
    ['https://example.net/x', { allowedHosts }, notOne('example.net')],
    ['https://push.example.org:8443/x', { allowedHosts }, null],
    ['https://push.example.org/x', { allowedHosts }, notOne('push.example.org')],
    ['https://push.example.com:8443/x', { allowedHosts }, notOne('push.example.com:8443')],
    ['https://fcm.googleapis.com/x', { allowedHosts }, null],
    ['http://push.example.com/x', { allowedHosts }, https],
    ['http://127.0.0.1:4000/push/1', {}, https],
    ['http://127.0.0.1:4000/push/1', { allowLoopbackHttp: true }, null],
    ['http://localhost:4000/push/1', { allowLoopbackHttp: true }, null],
    ['http://[::1]:4000/push/1', { allowLoopbackHttp: true }, null],
    ['http://localhost.:4000/push/1', { allowLoopbackHttp: true }, https],
    ['http://127.0.0.2:4000/push/1', { allowLoopbackHttp: true }, https],
    ['http://10.0.0.5/push', { allowLoopbackHttp: true }, https],
  ];
  for (const [url, policy, expected] of table) assert.equal(endpointProblem(url, policy), expected, `${url} ${JSON.stringify(policy)}`);
});

test('host patterns: names, one wildcard level up front, an optional port; local names and top-level wildcards refused', () => {
  const table: [string, HostPattern | RegExp][] = [
    ['push.example.com', { host: 'push.example.com', wildcard: false, port: 443 }],
    [' Push.Example.COM ', { host: 'push.example.com', wildcard: false, port: 443 }],
    ['*.example.net', { host: 'example.net', wildcard: true, port: 443 }],
    ['push.example.org:8443', { host: 'push.example.org', wildcard: false, port: 8443 }],
    ['localhost', /not a host name pattern/],
    ['push.localhost', /local name/],
    ['*.local', /not a host name pattern/],
    ['nas.home.arpa', /local name/],
    ['*.com', /not a host name pattern/],
    ['127.0.0.1', /is an IP address/],
    ['push.example.com.1', /is an IP address/],
    ['push.example.com:0', /no valid port/],
    ['push.example.com:99999', /no valid port/],
    ['https://push.example.com', /not a host name pattern/],
    ['a.*.example.com', /not a host name pattern/],
    ['', /not a host name pattern/],
  ];
  for (const [text, expected] of table) {
    const parsed = parseHostPattern(text);
    if (expected instanceof RegExp) assert.match(String(parsed), expected, text);
    else assert.deepEqual(parsed, expected, text);
  }
});

test('address ranges: public unicast only; IPv4 inside IPv6 forms is judged as IPv4', () => {
  const table: [string, string][] = [
    ['142.250.185.74', 'unicast'],
    ['2a00:1450:4001:82b::200a', 'unicast'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:8.8.8.8', 'unicast'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal'],
    ['64:ff9b::808:808', 'unicast'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:808:808::1', 'unicast'],
    ['::7f00:1', 'ipv4Compatible'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['not an address', 'invalid'],
    ['fcm.googleapis.com', 'invalid'],
  ];
  for (const [ip, range] of table) assert.equal(addressRange(ip), range, ip);
  assert.equal(isPublicAddress('142.250.185.74'), true);
  assert.equal(isPublicAddress('::ffff:127.0.0.1'), false);
});

test('the guarded lookup refuses a name when any address it resolves to is not public, at connect time', async () => {
  // Stand-in DNS; no test connects anywhere.
  let answer: LookupAddress[] = [];
  const resolve: Resolver = async () => answer;
  const lookup = guardedLookup(isPublicAddress, resolve);
  const look = (all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((done) => lookup('push.example.com', { all }, (error, address) => done({ error, address })));

  answer = [{ address: '142.250.185.74', family: 4 }];
  assert.deepEqual(await look(false), { error: null, address: '142.250.185.74' });
  answer = [
    { address: '2a00:1450:4001:82b::200a', family: 6 },
    { address: '142.250.185.74', family: 4 },
  ];
  assert.deepEqual(await look(true), { error: null, address: answer });
  // A rebinding answer: the same name, now on this machine or beside it.
  for (const address of ['127.0.0.1', '::ffff:7f00:1', '169.254.169.254', '10.0.0.7', 'fd00::7']) {
    answer = [
      { address: '142.250.185.74', family: 4 },
      { address, family: address.includes(':') ? 6 : 4 },
    ];
    const { error } = await look(true);
    assert.match(String(error?.message), /^push\.example\.com resolves to a \w+ address, not a public one$/, address);
    assert.equal((error as Error & { field?: string }).field, 'subscription.endpoint');
  }
  answer = [];
  assert.match(String((await look(false)).error?.message), /resolves to no address/);
  const failing = guardedLookup(isPublicAddress, async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND push.example.com'), { code: 'ENOTFOUND' });
  });
  const error = await new Promise<NodeJS.ErrnoException | null>((done) => failing('push.example.com', {}, (e) => done(e)));
  assert.equal(error?.code, 'ENOTFOUND');
});

test('LINEWATCH_PUSH_ALLOWED_HOSTS: comma-separated patterns; a bad one is a configuration error naming the variable', () => {
  const env = { NODE_ENV: 'test', LINEWATCH_LOG_LEVEL: 'silent' } as const;
  assert.deepEqual(loadConfig(env, []).push?.allowedHosts, []);
  const config = loadConfig({ ...env, LINEWATCH_PUSH_ALLOWED_HOSTS: ' push.example.com, *.example.net:8443 ,', LINEWATCH_PUSH_MAX_DEVICES: '3' }, []);
  assert.deepEqual(config.push?.allowedHosts, ['push.example.com', '*.example.net:8443']);
  assert.equal(config.push?.maxDevicesPerUser, 3);
  assert.throws(
    () => loadConfig({ ...env, LINEWATCH_PUSH_ALLOWED_HOSTS: 'push.example.com,localhost,10.0.0.1' }, []),
    (e: Error & { problems?: string[] }) =>
      e.problems?.join('\n') ===
      'LINEWATCH_PUSH_ALLOWED_HOSTS: "localhost" is not a host name pattern (like push.example.com, *.example.net or push.example.com:8443)\n' +
        'LINEWATCH_PUSH_ALLOWED_HOSTS: "10.0.0.1" is an IP address: name the push service\'s host',
  );
});
