/**
 * What the main thread's small writes cost while another connection holds SQLite's one write
 * lock (as the historian's writer thread does for every batch), against the same writes with
 * the lock free. The main thread must never wait for the lock: both kinds queue their write
 * and return (the unit tests assert that behaviour; the time it takes is this figure).
 *
 * 1. Alarm engine: one round raises a HI alarm, acknowledges it and clears it (three
 *    transitions, each a journal commit attempt).
 * 2. Audit rows (the store's deferred writes): one `audit.append` per round.
 *
 * Prints p50, p99 and max per round, ms.
 *
 *   npm run bench:write-lock -- --rounds 500
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createAlarmEngine } from '../../server/alarms/alarm-engine.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '500' } } });
const rounds = Number(args.rounds);

const plant = parsePlant({
  name: 'bench',
  lines: [
    {
      id: 'l1',
      name: 'L1',
      connections: [
        {
          id: 'plc1',
          protocol: 'tcp',
          port: 502,
          tags: [{ name: 'temp', area: 'holding', address: 0, type: 'float32', alarms: { hi: { limit: 100 }, deadband: 2 } }],
        },
      ],
    },
  ],
});
const operator = { username: 'bench', ip: '127.0.0.1' };

const dir = await mkdtemp(join(tmpdir(), 'lw-write-lock-bench-'));
const file = join(dir, 'linewatch.db');
const store = createSqliteStore(file);
const other = new Database(file);
const engine = createAlarmEngine({ plant, store: store.alarms, publish: () => {}, audited: (_actor, _action, _target, run) => run(), log: silentLogger() });
await engine.start();

/** Runs `round` `rounds` times (after a warm-up), with the write lock held by another connection or free. */
async function measure(round: () => void, locked: boolean): Promise<number[]> {
  for (let i = 0; i < 20; i++) round();
  // Let the queued writes land before the clock starts.
  await new Promise((r) => setTimeout(r, 600));
  if (locked) other.prepare('BEGIN IMMEDIATE').run();
  const ms: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      round();
      ms.push(performance.now() - t);
      // A turn of the event loop between rounds, as between two poll replies: retries run too.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    if (locked) other.prepare('COMMIT').run();
  }
  return ms;
}

const alarmRound = () => {
  engine.onSamples([{ tag: 'l1.temp', ts: Date.now(), value: 125, quality: 'good' }]);
  engine.service.acknowledge(['l1.temp.hi'], undefined, operator);
  engine.onSamples([{ tag: 'l1.temp', ts: Date.now(), value: 50, quality: 'good' }]);
};
const auditRound = () => store.audit.append({ ts: Date.now(), username: 'bench', ip: '127.0.0.1', action: 'bench', target: null, result: 'ok', detail: null });

const figures = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  return `p50 ${at(50).toFixed(3)} ms, p99 ${at(99).toFixed(3)} ms, max ${s.at(-1)!.toFixed(3)} ms`;
};

try {
  console.log(`main-thread writes, ${rounds} rounds each, write lock held by another connection vs free`);
  for (const [name, round] of [
    ['alarm raise + ack + clear (3 journal commits)', alarmRound],
    ['audit row (deferred write)', auditRound],
  ] as const) {
    const free = await measure(round, false);
    const held = await measure(round, true);
    console.log(`  ${name}:`);
    console.log(`    lock free: ${figures(free)}`);
    console.log(`    lock held: ${figures(held)}`);
  }
} finally {
  await engine.stop();
  await store.close();
  other.close();
  await rm(dir, { recursive: true, force: true });
}
