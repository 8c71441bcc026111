/**
 * Push latency figure: an alarm transition published on the hub → its push request arriving
 * at a local push service (real encryption, real VAPID signature, real HTTP), with N devices
 * subscribed. Prints p50/p95/max over a run of alarms spaced like separate incidents
 * (so flood control does not summarise them).
 *
 *   node --import tsx test/bench/push.bench.ts [devices=10] [alarms=50]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '../../server/hub/hub.ts';
import { loadPlant } from '../../server/plant/load-plant.ts';
import { createPushSender } from '../../server/push/push-sender.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { alarmEvent, browserKeys, startPushCapture } from '../helpers/push-service.ts';
import { silentLogger } from '../../server/log/logger.ts';

const devices = Number(process.argv[2] ?? 10);
const alarms = Number(process.argv[3] ?? 50);

const dir = await mkdtemp(join(tmpdir(), 'lw-push-bench-'));
const store = createSqliteStore(join(dir, 'linewatch.db'));
const capture = await startPushCapture();
const hub = createHub();
const user = await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
// Each alarm on its own line key would still share a device's flood gate per line: give every
// alarm a gap longer than the flood window instead, by using a zero window.
const sender = createPushSender(
  { hub, repo: store.push, users: store.users, plant: await loadPlant(), log: silentLogger() },
  { allowLoopbackHttp: true, concurrency: 8, maxDevicesPerUser: devices, flood: { windowMs: 0, burst: 1, summaryDelayMs: 1000 } },
);
await sender.start();
for (let i = 0; i < devices; i++) {
  await sender.service.subscribe(user.id, { endpoint: `${capture.url}/push/${i}`, keys: browserKeys(), lines: null, minPriority: 'low', userAgent: 'bench' });
}

const firstArrival: number[] = [];
const lastArrival: number[] = [];
for (let n = 0; n < alarms; n++) {
  const before = capture.requests.length;
  const raisedAt = Date.now();
  hub.publish('alarm', alarmEvent({ id: `filling.bench${n}.hi`, ts: raisedAt }));
  await capture.waitFor((all) => all.length >= before + devices, 10_000);
  const arrivals = capture.requests.slice(before).map((r) => r.at - raisedAt);
  firstArrival.push(Math.min(...arrivals));
  lastArrival.push(Math.max(...arrivals));
  await new Promise((r) => setTimeout(r, 20));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const line = (name: string, xs: number[]) => `${name}: p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, max ${Math.max(...xs)} ms`;
console.log(`push latency, alarm raised → push request received, ${devices} devices, ${alarms} alarms (first one cold):`);
console.log(`  ${line('first device', firstArrival)}`);
console.log(`  ${line('all devices ', lastArrival)}`);
console.log(`  stats: ${JSON.stringify(sender.stats())}`);

await sender.stop();
await store.close();
await capture.close();
await rm(dir, { recursive: true, force: true });
