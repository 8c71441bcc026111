import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plant } from '../../lib/plant/schema.ts';
import { buildServer, type LinewatchServer } from '../../server/build-server.ts';
import type { Config } from '../../server/config.ts';
import { loadPlant } from '../../server/plant/load-plant.ts';
import type { Role } from '../../server/storage/store.ts';
import { captureLog } from './capture-log.ts';

export const testPassword = 'correct horse battery staple';

export interface TestServer extends LinewatchServer {
  dataDir: string;
  logs: string[];
  /** Session cookie of a signed-in user per role (`admin`, `operator`, `viewer`). */
  cookies: Record<Role, string>;
  /** fetch as a role (default operator), with a JSON content type for bodies. */
  api(path: string, init?: RequestInit & { as?: Role | 'anonymous' }): Promise<Response>;
}

export async function login(url: string, username: string, password = testPassword): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const testAuth: Config['auth'] = {
  adminPassword: testPassword,
  idleTimeoutMs: 30 * 60_000,
  kioskIdleTimeoutMs: 12 * 3600_000,
  absoluteTimeoutMs: 12 * 3600_000,
  trustProxy: false,
  maxLoginFailures: 10,
};

/** A test server's configuration: 127.0.0.1:0, the demo plant, the production build, no wait for an unreachable database; `changes` win. */
export async function testConfig(dataDir: string, changes: Partial<Config> = {}): Promise<Config> {
  return {
    port: 0,
    host: '127.0.0.1',
    dev: false,
    dataDir,
    plant: await loadPlant(),
    autoStartSimulations: true,
    serveNext: true,
    appDir: process.cwd(),
    log: captureLog().log,
    databaseWaitMs: 0,
    auth: testAuth,
    ...changes,
  };
}

/**
 * A real Linewatch server on 127.0.0.1:0 with a temp data dir, serving the production build
 * (`npm test` builds first), with an admin, an operator and a viewer signed in.
 */
export async function startTestServer(
  options: {
    plant?: Plant;
    autoStartSimulations?: boolean;
    dataDir?: string;
    auth?: Partial<Config['auth']>;
    live?: Config['live'];
    push?: Config['push'];
    /** Store-and-forward settings (small memory bounds make a test's outage reach the spool). */
    spool?: Config['spool'];
    /** PostgreSQL instead of the SQLite file in the data dir (see test/helpers/pg-database.ts). */
    databaseUrl?: string;
    /** Role `web`: the floor is the collectors', over this Redis live bus (with `databaseUrl`). */
    web?: { redisUrl: string; busPrefix: string };
    /** Default true; false for API-only tests (no build needed). */
    serveNext?: boolean;
    /** Default true. False: no users made, no one signed in (`cookies` empty), e.g. for first-run setup. */
    signIn?: boolean;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lw-test-')));
  const captured = captureLog();
  const logs = captured.lines;
  const server = await buildServer(
    await testConfig(dataDir, {
      log: captured.log,
      autoStartSimulations: options.autoStartSimulations ?? true,
      ...(options.plant && { plant: options.plant }),
      databaseUrl: options.databaseUrl,
      ...(options.web && { role: 'web', redisUrl: options.web.redisUrl, busPrefix: options.web.busPrefix }),
      ...(options.serveNext !== undefined && { serveNext: options.serveNext }),
      live: options.live,
      push: options.push,
      spool: options.spool,
      auth: { ...testAuth, ...options.auth },
    }),
  );
  const close = server.close;
  let cookies: Record<Role, string>;
  try {
    cookies = options.signIn === false ? { admin: '', operator: '', viewer: '' } : await signInUsers(server.url);
  } catch (error) {
    // Nobody else holds the server yet: left running, its child processes would keep the test
    // file from ever ending (a hung CI run instead of a failed one).
    await close();
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\nthe server's last log lines:\n${logs.slice(-10).join('\n')}`, { cause: error });
  }
  return {
    ...server,
    dataDir,
    logs,
    cookies,
    api(path, init = {}) {
      const { as = 'operator', ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as !== 'anonymous') headers.set('cookie', cookies[as]);
      if (rest.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(server.url + path, { ...rest, headers });
    },
    close: async () => {
      await close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in the admin, makes an operator and a viewer (unless they exist) and signs them in. */
async function signInUsers(url: string): Promise<Record<Role, string>> {
  const admin = await login(url, 'admin');
  for (const role of ['operator', 'viewer'] as const) {
    const res = await fetch(`${url}/api/users`, {
      method: 'POST',
      headers: { cookie: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ username: role, password: testPassword, role }),
    });
    // A reused data dir already has them.
    if (res.status !== 201 && res.status !== 409) throw new Error(`creating ${role}: ${res.status} ${await res.text()}`);
  }
  return { admin, operator: await login(url, 'operator'), viewer: await login(url, 'viewer') };
}
