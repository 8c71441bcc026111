import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { AlarmEventPayload, AlarmPriority, AlarmTransition } from '../../lib/alarms/alarm-types.ts';

/**
 * A stand-in push service (RFC 8030) on 127.0.0.1:0 that records every request, and a
 * stand-in browser subscription whose keys can decrypt what was sent to it (RFC 8291) —
 * real HTTP and real crypto, so tests check what a real push service would receive.
 */

export interface CapturedPush {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface PushCapture {
  url: string;
  requests: CapturedPush[];
  /** How to answer a request (default 201). */
  answer: (req: CapturedPush) => { status: number; headers?: Record<string, string> };
  waitFor(predicate: (all: CapturedPush[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPushCapture(): Promise<PushCapture> {
  const requests: CapturedPush[] = [];
  const waiters = new Set<() => void>();
  const capture: PushCapture = {
    url: '',
    requests,
    answer: () => ({ status: 201 }),
    async waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(requests)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`push capture: condition not met within ${timeoutMs} ms (${requests.length} requests)`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(requests)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured: CapturedPush = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(captured);
      const { status, headers } = capture.answer(captured);
      res.writeHead(status, headers).end();
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  capture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return capture;
}

interface Ece {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ReturnType<typeof createECDH>; authSecret: Buffer }): Buffer;
}
// http_ece ships no types; it is what web-push itself encrypts with.
const ece = createRequire(import.meta.url)('http_ece') as Ece;

/** A browser's side of a subscription: its ECDH key pair and auth secret. */
export function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth: auth.toString('base64url'),
    /** Decrypts an aes128gcm push body sent to this subscription. */
    decrypt: (body: Buffer): unknown => JSON.parse(ece.decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret: auth }).toString('utf8')),
  };
}

/**
 * Checks a VAPID Authorization header (`vapid t=<JWT>, k=<public key>`, RFC 8292) the way a
 * push service does: ES256 signature by `k`, audience = the push service's origin, not expired.
 */
export function verifyVapid(authorization: string | undefined, audience: string): { claims: { aud: string; exp: number; sub: string }; publicKey: string } {
  const m = /^vapid t=([^,]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`not a VAPID Authorization header: ${authorization}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = createPublicKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
  });
  const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) throw new Error('VAPID JWT signature does not verify');
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string };
  if (head.alg !== 'ES256') throw new Error(`alg ${head.alg}`);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud} is not ${audience}`);
  if (claims.exp * 1000 < Date.now() || claims.exp * 1000 > Date.now() + 24 * 3600_000) throw new Error(`exp ${claims.exp} out of range`);
  return { claims, publicKey: k };
}

/** An alarm transition as the engine publishes it (default: a high-priority fault raised on `filling`). */
export function alarmEvent(
  overrides: { id?: string; message?: string; label?: string; line?: string; priority?: AlarmPriority; transition?: AlarmTransition; ts?: number } = {},
): AlarmEventPayload {
  const id = overrides.id ?? 'filling.fault.discrete';
  const line = overrides.line ?? 'filling';
  const alarm = {
    id,
    line,
    tag: `${line}.fault`,
    connection: 'plc1',
    kind: 'discrete' as const,
    label: overrides.label ?? 'Filler fault',
    message: overrides.message ?? 'Filler fault: line stopped',
    priority: overrides.priority ?? ('high' as AlarmPriority),
    limit: null,
    deadband: 0,
    unit: '',
    decimals: 0,
    maxShelveMs: 3600_000,
    state: 'unack-active' as const,
    active: true,
    acknowledged: false,
    value: 1,
    quality: 'good' as const,
    activeSince: 1_700_000_000_000,
    lastChange: 1_700_000_000_000,
    ack: null,
    shelved: null,
    outOfService: null,
    seq: 7,
  };
  return {
    line,
    alarm,
    entry: {
      seq: 7,
      ts: overrides.ts ?? 1_700_000_000_000,
      alarm: id,
      line,
      tag: alarm.tag,
      kind: alarm.kind,
      label: alarm.label,
      message: alarm.message,
      priority: alarm.priority,
      transition: overrides.transition ?? 'raised',
      state: overrides.transition === 'acknowledged' ? 'ack-active' : 'unack-active',
      value: 1,
      limit: null,
      user: null,
      comment: null,
      suppressed: false,
    },
  };
}
