/**
 * A start that fails part-way stops what it had started: no child process, timer, socket or
 * worker is left behind, and the error says what failed (for a database: its host, never the
 * password).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildServer } from '../../server/build-server.ts';
import type { Config } from '../../server/config.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { testConfig } from '../helpers/test-server.ts';
import { descendantsOf } from '../helpers/proc-stat.ts';

/** What keeps this process busy: handles and requests by kind, and child processes. */
function footprint() {
  const resources = process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'TTYWrap')
    .sort();
  return { resources, children: descendantsOf(process.pid).filter((p) => p.state !== 'Z').length };
}

/** What is running now and was not `before` (a transient request of the test runner's may have ended since). */
function leftOver(before: ReturnType<typeof footprint>) {
  const now = footprint();
  const resources = [...now.resources];
  for (const r of before.resources) {
    const i = resources.indexOf(r);
    if (i >= 0) resources.splice(i, 1);
  }
  return { resources, children: Math.max(0, now.children - before.children) };
}

async function assertNothingLeft(before: ReturnType<typeof footprint>) {
  // Closing sockets and exiting children are reported a tick or a few later.
  let left = leftOver(before);
  for (let i = 0; i < 50 && (left.children > 0 || left.resources.length > 0); i++) {
    await sleep(100);
    left = leftOver(before);
  }
  assert.deepEqual(left, { resources: [], children: 0 });
}

/** API only: these starts fail before Next would matter. */
const config = (dataDir: string, changes: Partial<Config>) => testConfig(dataDir, { serveNext: false, ...changes });

test('an unreachable PostgreSQL: a clear error naming its host and port, not the password, and nothing left running', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-start-'));
  const before = footprint();
  // Port 1 on loopback: refused at once.
  const url = 'postgres://linewatch:s3cret-pass@127.0.0.1:1/plant';
  await assert.rejects(buildServer(await config(dataDir, { databaseUrl: url, databaseWaitMs: 0 })), (error: Error) => {
    assert.match(error.message, /127\.0\.0\.1:1/);
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
  await assertNothingLeft(before);
  await rm(dataDir, { recursive: true, force: true });
});

test('an unreachable PostgreSQL is tried again until the wait is over, each try logged', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-start-'));
  const captured = captureLog();
  const started = Date.now();
  await assert.rejects(buildServer({ ...(await config(dataDir, { databaseUrl: 'postgres://x@127.0.0.1:1/p', databaseWaitMs: 2500 })), log: captured.log }));
  assert.ok(Date.now() - started >= 2000, 'it kept trying');
  assert.ok(captured.lines.filter((l) => l.includes('trying again')).length >= 1, captured.lines.join('\n'));
  await rm(dataDir, { recursive: true, force: true });
});

test('a live process that never gets ready: the start fails and stops the historian, workers, simulators and the live process', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lw-start-'));
  const before = footprint();
  await assert.rejects(buildServer(await config(dataDir, { live: { startTimeoutMs: 1 } })), /live process did not start within 1 ms/);
  await assertNothingLeft(before);
  await rm(dataDir, { recursive: true, force: true });
});
