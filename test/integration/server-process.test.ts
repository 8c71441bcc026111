import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { ProcessInfo, Sample } from '../../lib/types.ts';
import { descendantsOf } from '../helpers/proc-stat.ts';
import { openSse } from '../helpers/sse-client.ts';
import { login, testPassword } from '../helpers/test-server.ts';

/**
 * The real entry, as `npm start` runs it (server/start.mjs; the build exists already, as in
 * `npm test`): signals from outside must stop it cleanly, and a SIGKILL must leave nothing behind.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The process exited. A zombie counts as gone: reaping an orphan is init's job, not ours. */
function gone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

interface Started {
  proc: ChildProcess;
  url: string;
  dataDir: string;
  cookie: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  simulators: ProcessInfo[];
}

async function startEntry(t: { after(fn: () => Promise<void> | void): void }, command = [process.execPath, 'server/start.mjs']): Promise<Started> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-entry-'));
  const proc = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LINEWATCH_DATA: dataDir, LINEWATCH_ADMIN_PASSWORD: testPassword },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      // The whole tree: under npm, a server left behind would hold this file's pipes open.
      for (const { pid } of descendantsOf(proc.pid!).reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      proc.kill('SIGKILL');
    }
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  // With PORT=0 the entry's log line is the only place the port shows.
  const url = await waitFor('the listening line', () => /Linewatch listening on (http:\/\/[^\s"]+)/.exec(out)?.[1], 30_000);
  await waitFor('health', async () => (await fetch(`${url}/api/health`)).ok);
  const cookie = await login(url, 'admin');
  const simulators = await waitFor('three running simulators', async () => {
    const { processes } = (await (await fetch(`${url}/api/processes`, { headers: { cookie } })).json()) as { processes: ProcessInfo[] };
    const running = processes.filter((p) => p.id.startsWith('sim-') && p.status === 'running' && typeof p.info.port === 'number');
    return running.length === 3 && running;
  });
  return { proc, url, dataDir, cookie, output: () => out, exited, simulators };
}

test('SIGTERM to npm start: exit 0 within seconds, simulators stopped, history flushed', async (t) => {
  const s = await startEntry(t);
  const sse = await openSse(`${s.url}/api/stream?line=packaging`, { cookie: s.cookie });
  const last = await sse.waitFor((e) => e.event === 'sample' && e.data.samples.length > 0, 5000);
  const sample = last.data.samples[0] as Sample;
  sse.close();
  const children = descendantsOf(s.proc.pid!).map((c) => c.pid);

  const t0 = performance.now();
  s.proc.kill('SIGTERM');
  const { code, signal } = await s.exited;
  const took = performance.now() - t0;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, s.output());
  assert.ok(took < 5000, `stopped in ${Math.round(took)} ms`);
  assert.match(s.output(), /SIGTERM: stopping/);
  for (const sim of s.simulators) {
    assert.ok(gone(sim.pid!), `simulator ${sim.id} (pid ${sim.pid}) still runs`);
    assert.equal(await portIsFree(sim.info.port as number), true, `port ${sim.info.port} of ${sim.id}`);
  }
  // Whatever else the server started (the live process) ends with it, at most a moment later.
  await waitFor('every child to exit', () => children.every(gone), 2000);

  const db = new Database(join(s.dataDir, 'linewatch.db'), { readonly: true });
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number };
    assert.ok(n > 0, 'samples were written');
    const row = db
      .prepare('SELECT value FROM samples JOIN tags ON tags.id = samples.tag_id WHERE tags.name = ? AND ts = ?')
      .get(sample.tag, Math.round(sample.ts)) as { value: number } | undefined;
    assert.ok(row, 'the last streamed sample was committed on stop');
  } finally {
    db.close();
  }
});

test('SIGTERM to the npm process itself (as a process manager sends it): the server stops too, gracefully', async (t) => {
  const s = await startEntry(t, ['npm', 'start', '--silent']);
  // npm → sh -c → node: the server is the node process, not the shell.
  const server = descendantsOf(s.proc.pid!).find((c) => {
    // node [flags from package.json] server/start.mjs
    const [command, ...args] = readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)node$/.test(command!) && args.includes('server/start.mjs');
  });
  assert.ok(server, 'the server runs under npm');
  s.proc.kill('SIGTERM');
  await waitFor('the server to stop', () => gone(server.pid), 8000);
  assert.match(s.output(), /SIGTERM: stopping/, `stopped as on its own SIGTERM (simulators, history, streams): ${s.output().slice(-1500)}`);
  for (const sim of s.simulators) assert.ok(gone(sim.pid!), `simulator ${sim.id} (pid ${sim.pid}) still runs`);
});

test('SIGKILL to npm start: every simulator exits by itself within 2 s and frees its port', async (t) => {
  const s = await startEntry(t);
  const left = descendantsOf(s.proc.pid!).map((c) => c.pid);
  for (const sim of s.simulators) assert.ok(left.includes(sim.pid!), `simulator ${sim.id} descends from the entry`);
  t.after(() => {
    for (const pid of left) if (!gone(pid)) process.kill(pid, 'SIGKILL');
  });

  s.proc.kill('SIGKILL');
  assert.equal((await s.exited).signal, 'SIGKILL');
  const killedAt = performance.now();
  // Every descendant: the live process and the simulators.
  await waitFor('every child to exit', () => left.every(gone), 2500).catch(() => {
    throw new Error(`still running after SIGKILL: ${left.filter((pid) => !gone(pid)).join(', ')}`);
  });
  const took = performance.now() - killedAt;
  assert.ok(took < 2000, `children took ${Math.round(took)} ms`);
  for (const sim of s.simulators) assert.equal(await portIsFree(sim.info.port as number), true, `port ${sim.info.port} of ${sim.id}`);
});
