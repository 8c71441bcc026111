import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ProcessInfo } from '../../lib/types.ts';
import { createSupervisor, type Supervisor } from '../../server/supervisor/supervisor.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/children/${name}`, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** True when no process `pid` exists any more; a zombie (exited, not yet reaped) counts as gone only if `zombieIsGone`. */
function gone(pid: number, zombieIsGone = false): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  if (!zombieIsGone) return false;
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // vanished between the two checks
  }
}

function recorder() {
  const changes: (ProcessInfo & { at: number })[] = [];
  return { changes, onChange: (info: ProcessInfo) => changes.push({ ...info, at: performance.now() }) };
}

function cleanup(t: { after(fn: () => Promise<void>): void }, supervisor: Supervisor) {
  t.after(() => supervisor.stopAll(500));
}

test('a child reaches running via ready; tail, info, messages, stop and replace', async (t) => {
  const { changes, onChange } = recorder();
  const supervisor = createSupervisor({ onChange });
  cleanup(t, supervisor);
  const spec = {
    id: 'ok',
    name: 'Ready child',
    module: fixture('ready-child.ts'),
    args: ['--flag'],
    env: { LW_FIXTURE_ENV: 'from-spec' },
    initialMessage: { type: 'config', greeting: 'hello' },
    waitForReady: true,
  };
  const handle = supervisor.start(spec);
  assert.equal(handle.info().status, 'starting');
  assert.throws(() => supervisor.start(spec), { code: 'LW_CONFLICT' });

  await waitFor('running', () => handle.info().status === 'running');
  const running = handle.info();
  assert.equal(running.info.pid, running.pid);
  assert.deepEqual(running.info, { pid: running.pid, greeting: 'hello', args: ['--flag'], env: 'from-spec' });
  assert.ok(running.startedAt !== null && running.stoppedAt === null);
  assert.throws(() => supervisor.start(spec), { code: 'LW_CONFLICT' });

  const echoes: unknown[] = [];
  const remove = handle.onMessage((m) => echoes.push(m));
  assert.equal(handle.send({ type: 'echo', value: 42 }), true);
  await waitFor('echo', () => echoes.length === 1);
  assert.deepEqual(echoes[0], { type: 'echo', value: 42 });
  remove();
  // A listener still added sees the echo arrive: by then the removed one would have had it too.
  const later: unknown[] = [];
  const removeLater = handle.onMessage((m) => later.push(m));
  handle.send({ type: 'echo', value: 43 });
  await waitFor('second echo', () => later.length === 1);
  removeLater();
  assert.deepEqual(later[0], { type: 'echo', value: 43 });
  assert.equal(echoes.length, 1, 'removed listener gets nothing');

  const stopped = await handle.stop(2000);
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.exitCode, 0, 'exitWithParent exits 0 on SIGTERM');
  assert.equal(stopped.signal, null);
  assert.ok(gone(running.pid!), 'reaped');
  for (const line of ['out line 1', 'out line 2', 'err line 1', 'bye (SIGTERM)']) assert.ok(stopped.tail.includes(line), line);
  assert.deepEqual(
    changes.map((c) => c.status),
    ['starting', 'running', 'stopping', 'stopped'],
  );
  assert.equal(changes[0]!.pid, running.pid, 'starting already carries the pid');
  assert.equal(handle.send({ type: 'echo' }), false, 'nothing to send to');
  assert.deepEqual(await handle.exited(), stopped);

  assert.deepEqual(
    supervisor.list().map((p) => [p.id, p.status]),
    [['ok', 'stopped']],
    'stays listed',
  );
  const again = supervisor.start(spec);
  assert.notEqual(again, handle);
  assert.equal(supervisor.get('ok'), again);
  assert.equal(again.info().restarts, 0);
  assert.equal(again.info().tail.length, 0, 'a replaced record starts with an empty tail');
  await again.stop();
});

test('the tail keeps the last N lines; exit 0 on its own is stopped', async (t) => {
  const supervisor = createSupervisor({ tailLines: 5 });
  cleanup(t, supervisor);
  const info = await supervisor.start({ id: 'chatty', name: 'chatty', module: fixture('chatty-child.mjs'), args: ['20'] }).exited();
  assert.equal(info.status, 'stopped');
  assert.equal(info.exitCode, 0);
  assert.deepEqual(info.tail, ['line 17', 'line 18', 'line 19', 'line 20', 'no newline at the end']);
});

test('stop() of a child that ignores SIGTERM ends with SIGKILL after the grace', async (t) => {
  const supervisor = createSupervisor({});
  cleanup(t, supervisor);
  const handle = supervisor.start({ id: 'stubborn', name: 'stubborn', module: fixture('stubborn-child.mjs'), waitForReady: true });
  await waitFor('running', () => handle.info().status === 'running');
  const pid = handle.info().pid!;
  const grace = 400;
  const started = performance.now();
  const first = handle.stop(grace);
  const second = handle.stop(50);
  assert.equal(second, first, 'a second stop() returns the same promise');
  assert.equal(handle.info().status, 'stopping');
  const info = await first;
  const elapsed = performance.now() - started;
  assert.equal(info.signal, 'SIGKILL');
  assert.equal(info.status, 'stopped');
  assert.ok(elapsed >= grace, `elapsed ${elapsed} ms`);
  assert.ok(gone(pid), 'reaped');
  assert.ok(info.tail.includes('SIGTERM ignored'));
  assert.ok(info.tail.some((l) => l.includes('sending SIGKILL')));
});

test('a crashing child restarts with exponential backoff up to maxRestarts', async (t) => {
  const { changes, onChange } = recorder();
  const supervisor = createSupervisor({ onChange });
  cleanup(t, supervisor);
  const initialDelayMs = 100;
  const handle = supervisor.start({
    id: 'crasher',
    name: 'crasher',
    module: fixture('crash-child.mjs'),
    restart: { maxRestarts: 3, initialDelayMs, maxDelayMs: 300 },
  });
  const info = await handle.exited();
  assert.equal(info.status, 'crashed');
  assert.equal(info.exitCode, 3);
  assert.equal(info.restarts, 3);
  const crashes = changes.filter((c) => c.status === 'crashed');
  const starts = changes.filter((c) => c.status === 'starting');
  assert.equal(crashes.length, 4);
  assert.equal(starts.length, 4);
  assert.deepEqual(
    starts.map((s) => s.restarts),
    [0, 1, 2, 3],
  );
  assert.equal(new Set(starts.map((s) => s.pid)).size, 4, 'a new child each time');
  // Gaps crash → next start: 100, 200, 300 (capped) ms, each within -20 %.
  const expected = [100, 200, 300];
  for (let n = 0; n < 3; n++) {
    const gap = starts[n + 1]!.at - crashes[n]!.at;
    assert.ok(gap >= expected[n]! * 0.8 - 5, `gap ${n}: ${gap} ms`);
  }
  assert.equal(info.tail.filter((l) => l.startsWith('boom ')).length, 4, 'tail spans restarts');
  // A fourth restart would be a timer armed at the last crash for at most maxDelayMs (300):
  // it would fire before this longer one armed after it, so the wait cannot end too soon.
  await sleep(400);
  assert.equal(handle.info().restarts, 3, 'no fourth restart');
});

test('stop() cancels a pending restart', async (t) => {
  const { changes, onChange } = recorder();
  const supervisor = createSupervisor({ onChange });
  cleanup(t, supervisor);
  const handle = supervisor.start({
    id: 'crasher',
    name: 'crasher',
    module: fixture('crash-child.mjs'),
    restart: { maxRestarts: 5, initialDelayMs: 300 },
  });
  await waitFor('crash', () => handle.info().status === 'crashed');
  const info = await handle.stop();
  assert.equal(info.status, 'crashed');
  assert.deepEqual(await handle.exited(), info);
  // The cancelled restart was a timer armed at the crash for 300 ms: had it survived the stop,
  // it would fire before this longer one armed after it.
  await sleep(500);
  assert.equal(handle.info().restarts, 0);
  assert.equal(changes.filter((c) => c.status === 'starting').length, 1);
});

test('a child that is not ready in time is stopped and marked crashed', async (t) => {
  const { changes, onChange } = recorder();
  const supervisor = createSupervisor({ onChange });
  cleanup(t, supervisor);
  const started = performance.now();
  const handle = supervisor.start({
    id: 'silent',
    name: 'silent',
    module: fixture('silent-child.mjs'),
    waitForReady: true,
    readyTimeoutMs: 300,
  });
  const info = await handle.exited();
  assert.ok(performance.now() - started >= 300);
  assert.deepEqual(
    changes.map((c) => c.status),
    ['starting', 'stopping', 'crashed'],
  );
  assert.equal(info.status, 'crashed');
  assert.equal(info.signal, 'SIGTERM');
  assert.ok(info.tail.includes('silent child up'));
  assert.ok(info.tail.some((l) => l.includes('not ready after 300 ms')));
  assert.ok(gone(info.pid!));
});

test('200 start/stop cycles leave no zombie and no bound port', async (t) => {
  const supervisor = createSupervisor({});
  cleanup(t, supervisor);
  const cycles = 200;
  const parallel = 8;
  const seen: { pid: number; port: number }[] = [];
  let next = 0;
  const worker = async (w: number) => {
    while (next < cycles) {
      const n = next++;
      const handle = supervisor.start({ id: `cycle-${w}`, name: `cycle ${n}`, module: fixture('listener-child.mjs'), waitForReady: true });
      await waitFor('running', () => handle.info().status === 'running' || handle.info().status === 'crashed', 10_000);
      const { port, pid } = handle.info().info as { port: number; pid: number };
      assert.ok(port > 0);
      seen.push({ pid, port });
      const info = await handle.stop(2000);
      assert.equal(info.status, 'stopped');
      assert.equal(info.exitCode, 0, `cycle ${n}: ${info.tail.join(' | ')}`);
      assert.ok(gone(pid), `cycle ${n}: pid ${pid} still exists after reaping`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
  assert.equal(seen.length, cycles);
  for (const { pid } of seen) assert.ok(gone(pid), `pid ${pid}`);
  for (const port of new Set(seen.map((s) => s.port))) {
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', (error) => reject(new Error(`port ${port} still bound`, { cause: error })));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  }
  assert.deepEqual(
    supervisor.list().map((p) => p.status),
    Array(parallel).fill('stopped'),
  );
});

test('SIGKILL of an intermediate parent: the grandchild exits on its own', async (t) => {
  const parent = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), fixture('supervisor-parent.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    parent.kill('SIGKILL');
  });
  let out = '';
  parent.stdout.setEncoding('utf8');
  parent.stdout.on('data', (chunk: string) => (out += chunk));
  const line = await waitFor('grandchild pid', () => out.split('\n').find((l) => l.includes('grandchildPid')), 10_000);
  const grandchild = (JSON.parse(line) as { grandchildPid: number }).grandchildPid;
  t.after(() => {
    if (!gone(grandchild, true)) process.kill(grandchild, 'SIGKILL');
  });
  assert.equal(gone(grandchild), false, 'grandchild runs');

  const parentExit = new Promise((resolve) => parent.once('exit', (_code, signal) => resolve(signal)));
  parent.kill('SIGKILL');
  assert.equal(await parentExit, 'SIGKILL');
  const killedAt = performance.now();
  await waitFor('grandchild exit', () => gone(grandchild, true), 2500);
  assert.ok(performance.now() - killedAt < 2000, `grandchild took ${performance.now() - killedAt} ms`);
});
