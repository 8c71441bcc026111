import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { benchPlant, forkLoadClient } from '../bench/live-path.ts';
import { liveProcessOf, statField } from '../helpers/proc-stat.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

// The live process's main thread runs at real-time priority (by default, where permitted)
// while V8's helper threads stay ordinary. Pinned to one CPU, as on a single-core gateway or
// VM, nothing of it may wait for a helper: a real-time thread that spins waiting for one
// keeps it off that CPU until the kernel's real-time throttling lets it run (950 ms of every
// second). With V8's garbage collection on helper threads, values froze for ~1 s every few
// seconds here (bench:live pinned: p99 800 ms, a sixth of the events never sent).

const tags = 1000;
const plcs = 10;
const scanMs = 100;
/** Sample events per PLC per scan: its float32 tags take 2 registers each, at most 125 registers a read. */
const readsPerScan = Math.ceil(((tags / plcs) * 2) / 125);
let server: TestServer;

/** Every thread of process `pid` on CPU 0 (its children to be forked inherit it). */
const pinToCpu0 = (pid: number) => execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', '0', String(pid)], { stdio: 'ignore' });

before(async () => {
  // The whole server on one CPU: this process (the test server runs in it), and so the live
  // process, the simulated PLCs and the load client it forks.
  pinToCpu0(process.pid);
  server = await startTestServer({ plant: benchPlant(tags, scanMs, plcs), live: { streamCaps: { perUser: 100, perSession: 100 } } });
});

after(async () => {
  await server?.close();
});

test('pinned to one CPU with its helper threads, the live process never freezes', async () => {
  const live = liveProcessOf();
  assert.ok(live, 'a live process runs under the server');
  assert.equal(readFileSync(`/proc/${live.pid}/status`, 'utf8').match(/^Cpus_allowed_list:\s*(\S+)$/m)?.[1], '0', 'pinned to CPU 0');
  const realtime = statField(live.pid, 41) === '2';
  const seconds = 8;
  const result = await forkLoadClient({ url: `${server.url}/api/stream`, cookie: server.cookies.viewer, clients: 30, seconds, warmupS: 2, priority: 0 }).result;
  const expected = 30 * plcs * readsPerScan * (1000 / scanMs) * seconds;
  const context = `${realtime ? 'SCHED_RR' : 'ordinary priority'}: ${JSON.stringify(result)}`;
  // Every scan reaches every client (a freeze skips scans: missed slots are not made up)…
  assert.ok(result.events >= expected * 0.95, `events ${result.events} of ${expected}; ${context}`);
  // …and none of them late by more than a few scan periods.
  assert.ok(result.max! < 500, `slowest poll reply → client ${result.max} ms; ${context}`);
});
