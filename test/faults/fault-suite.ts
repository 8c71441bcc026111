/**
 * The fault suite (issue 22), `npm run test:faults`: the poller and the alarm engine against a
 * real Modbus TCP PLC (modbus-serial's server) behind a fault-injecting proxy, each fault ×3.
 * Per fault: how soon the tags turn bad, how many comm-loss alarms, how soon good again after
 * the fault ends, whether any good sample carried a wrong value, and how a bystander connection
 * (same PLC, no proxy) kept its scan. Prints a table; exits 1 when a criterion fails:
 * first bad ≤ 2 scans for timeout-class faults and ≤ 100 ms for detectable ones (after the
 * reply that carries them), ≤ 1 comm-loss alarm per outage and none for exceptions, recovery
 * ≤ 5 s, no wrong value, the bystander's p99 scan gap within 10 % of a quiet run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerTCP } from 'modbus-serial';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import { plantSchema } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { createPoller } from '../../server/poller/poller.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import { startFaultProxy, type ReplyFault } from '../helpers/fault-proxy.ts';
import { freePort } from '../helpers/free-port.ts';

const SCAN_MS = 200;
const TIMEOUT_MS = 150;
const COMM_LOSS_DELAY_MS = 1000;
const RUNS = Number(process.env.FAULT_RUNS ?? 3);
const VALUE = 4321;

/** How long each fault lasts, and whether it is one the poller can see in the reply (detectable) or only by its absence (timeout class). */
const faults: { fault: ReplyFault; label: string; holdMs: number; kind: 'detectable' | 'timeout' | 'exception' | 'outage' | 'harmless' }[] = [
  { fault: 'kill', label: 'kill (PLC gone, connections refused)', holdMs: 3000, kind: 'outage' },
  { fault: 'blackhole', label: 'black hole 5 s', holdMs: 5000, kind: 'timeout' },
  { fault: 'blackhole', label: 'black hole 30 s', holdMs: 30_000, kind: 'outage' },
  { fault: 'reset', label: 'reset', holdMs: 500, kind: 'detectable' },
  { fault: 'reset-mid-reply', label: 'reset mid-reply', holdMs: 500, kind: 'detectable' },
  { fault: 'wrong-tid', label: 'wrong transaction id', holdMs: 1000, kind: 'timeout' },
  { fault: 'longer', label: 'length longer', holdMs: 1000, kind: 'detectable' },
  { fault: 'shorter', label: 'length shorter', holdMs: 1000, kind: 'detectable' },
  { fault: 'truncated', label: 'truncated', holdMs: 1000, kind: 'timeout' },
  { fault: 'garbage', label: 'garbage', holdMs: 1000, kind: 'detectable' },
  { fault: 'protocol-id', label: 'protocol id ≠ 0', holdMs: 1000, kind: 'detectable' },
  { fault: 'unit-id', label: 'wrong unit id', holdMs: 1000, kind: 'detectable' },
  { fault: 'exception', label: 'exception 02', holdMs: 2000, kind: 'exception' },
  { fault: 'delay', label: 'delay past the timeout', holdMs: 1000, kind: 'timeout' },
  // The second copy must never be taken for the answer to the next request (another block).
  { fault: 'double', label: 'two replies in one segment', holdMs: 1000, kind: 'harmless' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)] ?? 0;

async function main(): Promise<number> {
  const plcPort = await freePort();
  const plc = await new Promise<ServerTCP>((resolve, reject) => {
    const s = new ServerTCP({ getHoldingRegister: (addr: number) => (addr === 0 ? VALUE : addr) }, { host: '127.0.0.1', port: plcPort, unitID: 1 });
    s.on('socketError', () => {});
    s.once('serverError', reject);
    s.once('initialized', () => resolve(s));
  });
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: plcPort }, { delayMs: TIMEOUT_MS + 200 });
  const connection = (id: string, port: number) => ({
    id,
    protocol: 'tcp',
    host: '127.0.0.1',
    port,
    scanMs: SCAN_MS,
    timeoutMs: TIMEOUT_MS,
    commLoss: { delayMs: COMM_LOSS_DELAY_MS },
    tags: [
      { name: `${id}-a`, area: 'holding', address: 0, type: 'uint16' },
      // Another read block: a reply taken for the wrong request shows as a wrong value.
      { name: `${id}-b`, area: 'holding', address: 50, type: 'uint16' },
    ],
  });
  const plant = plantSchema.parse({
    name: 'faults',
    lines: [{ id: 'press', name: 'Press', connections: [connection('victim', proxy.port), connection('bystander', plcPort)] }],
  });
  const dir = await mkdtemp(join(tmpdir(), 'lw-faults-'));
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const commAlarms: number[] = [];
  const engine = createAlarmEngine({
    plant,
    store: store.alarms,
    audited: (_a, _b, _c, run) => run(),
    log: silentLogger(),
    publish: ({ entry }: AlarmEventPayload) => {
      if (entry.kind === 'comm' && entry.transition === 'raised' && entry.alarm.includes('victim')) commAlarms.push(Date.now());
    },
  });
  await engine.start();

  let victim: { at: number; sample: Sample }[] = [];
  let bystanderReads: number[] = [];
  let wrong = 0;
  const expected: Record<string, number> = { 'press.victim-a': VALUE, 'press.victim-b': 50, 'press.bystander-a': VALUE, 'press.bystander-b': 50 };
  const poller = createPoller({
    plant,
    backoff: { minMs: 250, maxMs: 4000 },
    onSamples({ connection: c, samples }) {
      engine.onSamples(samples);
      const now = performance.now();
      for (const s of samples) if (s.quality === 'good' && s.value !== expected[s.tag]) wrong++;
      if (c === 'victim') for (const s of samples) if (s.tag === 'press.victim-a') victim.push({ at: now, sample: s });
      if (c === 'bystander' && samples.some((s) => s.quality === 'good')) bystanderReads.push(now);
    },
  });
  await poller.start();
  await sleep(1500);

  const gaps = () => bystanderReads.slice(1).map((t, i) => t - bystanderReads[i]!);
  // A quiet run: the bystander's scan gaps with nothing wrong.
  bystanderReads = [];
  await sleep(5000);
  const quietP99 = p99(gaps());

  const rows: string[][] = [];
  let failed = 0;
  for (const f of faults) {
    const firstBad: number[] = [];
    const recovery: number[] = [];
    let alarms = 0;
    let maxP99 = 0;
    let wrongHere = 0;
    for (let run = 0; run < RUNS; run++) {
      victim = [];
      bystanderReads = [];
      commAlarms.length = 0;
      const wrongBefore = wrong;
      const start = performance.now();
      proxy.set(f.fault);
      await sleep(f.holdMs);
      proxy.set('none');
      const end = performance.now();
      // Until good again (at most 10 s), then a quiet second.
      for (let t = 0; t < 100 && !victim.some((v) => v.at > end && v.sample.quality === 'good'); t++) await sleep(100);
      await sleep(1000);
      const bad = victim.find((v) => v.at >= start && v.sample.quality !== 'good');
      firstBad.push(bad ? bad.at - start : Number.POSITIVE_INFINITY);
      const good = victim.find((v) => v.at > end && v.sample.quality === 'good');
      recovery.push(good ? good.at - end : Number.POSITIVE_INFINITY);
      alarms = Math.max(alarms, commAlarms.length);
      maxP99 = Math.max(maxP99, p99(gaps()));
      wrongHere += wrong - wrongBefore;
    }
    // Detectable faults show in the first reply after the fault starts: within a scan of it, plus 100 ms.
    const badLimit = f.kind === 'detectable' ? SCAN_MS + 100 : f.kind === 'exception' ? SCAN_MS + 100 : 2 * SCAN_MS + TIMEOUT_MS;
    const checks = [
      f.kind === 'harmless' || Math.max(...firstBad) <= badLimit,
      f.kind === 'exception' ? alarms === 0 : alarms <= 1,
      Math.max(...recovery) <= 5000,
      wrongHere === 0,
      maxP99 <= quietP99 * 1.1 + 5,
    ];
    if (checks.includes(false)) failed++;
    const ms = (xs: number[]) => (xs.some((x) => !Number.isFinite(x)) ? 'never' : `${Math.round(Math.max(...xs))}`);
    rows.push([
      f.label,
      String(RUNS),
      f.kind === 'harmless' ? `${ms(firstBad)} (any)` : `${ms(firstBad)} (≤ ${badLimit})`,
      `${alarms}${f.kind === 'exception' ? ' (0)' : ' (≤ 1)'}`,
      `${ms(recovery)} (≤ 5000)`,
      String(wrongHere),
      `${Math.round(maxP99)} / ${Math.round(quietP99)}`,
      checks.includes(false) ? 'FAIL' : 'ok',
    ]);
  }

  await poller.stop();
  await engine.stop();
  await store.close();
  await proxy.close();
  await new Promise<void>((resolve) => plc.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });

  const header = ['fault', 'runs', 'first bad, max ms', 'comm-loss alarms', 'good again, max ms', 'wrong values', 'bystander p99 gap / quiet, ms', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log(`${faults.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
