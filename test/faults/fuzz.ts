/**
 * `npm run test:fuzz` (issue 22): 100 000 generated request frames to the simulated PLC's
 * Modbus TCP server and 100 000 generated reply frames to the poller's session, on real
 * loopback sockets, with a seeded PRNG. Prints the figures and exits 1 when a criterion fails:
 * 0 crashes (uncaught exceptions, unhandled rejections), 0 oracle failures (every answer and
 * exception code as the specification says; no accepted value a reply does not carry
 * well-formed), memory flat (heapUsed after a full GC grows ≤ 8 MB and RSS ≤ 64 MB from the
 * end of the warm-up to the end of the run).
 *
 *   npm run test:fuzz -- [--frames 100000] [--seed N] [--only simulator|poller]
 *
 * A failure prints its seed: `--seed N` (or FUZZ_SEED=N) replays the same frames.
 */
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { numberArg, printTable, seedFromArgs } from './fuzz-kit.ts';
import { fuzzPoller, type PollerFuzzResult } from './fuzz-poller.ts';
import { fuzzSimulator, type SimulatorFuzzResult } from './fuzz-simulator.ts';

export const HEAP_GROWTH_LIMIT_MB = 8;
export const RSS_GROWTH_LIMIT_MB = 64;

const mb = (n: number) => n.toFixed(1);
/** `01×12 02×7 …`; exception codes outside the specification's 01…0B summed as `other`. */
const codes = (table: Record<string, number>) => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(table)) {
    const key = /^[0-9a-f]{2}$/.test(k) && (Number.parseInt(k, 16) < 1 || Number.parseInt(k, 16) > 11) ? 'other' : k;
    out[key] = (out[key] ?? 0) + v;
  }
  return Object.entries(out)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');
};

/** The pass criteria shared by the full run and the short subset in `npm test`. */
export function criteria(r: SimulatorFuzzResult | PollerFuzzResult): { name: string; ok: boolean; value: string }[] {
  const rss = r.memoryEnd.rssMb - r.memoryStart.rssMb;
  return [
    { name: 'crashes', ok: r.crashes === 0, value: String(r.crashes) },
    { name: 'oracle failures', ok: r.failures.length === 0, value: String(r.failures.length) },
    {
      name: `heapUsed after GC growth (≤ ${HEAP_GROWTH_LIMIT_MB} MB)`,
      ok: r.heapGrowthMb <= HEAP_GROWTH_LIMIT_MB,
      value: `${mb(r.memoryStart.heapMb)} → ${mb(r.memoryEnd.heapMb)} MB`,
    },
    { name: `RSS growth (≤ ${RSS_GROWTH_LIMIT_MB} MB)`, ok: rss <= RSS_GROWTH_LIMIT_MB, value: `${mb(r.memoryStart.rssMb)} → ${mb(r.memoryEnd.rssMb)} MB` },
  ];
}

async function main(): Promise<number> {
  const frames = numberArg('frames', 100_000);
  const seed = seedFromArgs();
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  console.log(
    `fuzz: ${frames} frames each side, seed ${seed} (replay: --seed ${seed}); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );
  const rows: string[][] = [];
  let failed = 0;
  const report = (side: string, r: SimulatorFuzzResult | PollerFuzzResult, extra: string[][]) => {
    for (const c of criteria(r)) {
      rows.push([side, c.name, c.value, c.ok ? 'ok' : 'FAIL']);
      if (!c.ok) failed++;
    }
    for (const [name, value] of extra) rows.push([side, name, value, '']);
    for (const f of r.failures) console.log(`  ${side} FAILURE ${f}`);
  };

  if (only !== 'poller') {
    const s = await fuzzSimulator({ frames, seed, log: console.log });
    report('simulator', s, [
      ['frames / cases / time', `${s.frames} / ${s.cases} / ${s.seconds.toFixed(1)} s = ${Math.round(s.frames / s.seconds)} frames/s`],
      ['normal answers checked', String(s.answered)],
      ['exception answers checked, by code', codes(s.exceptions)],
      ['protocol id ≠ 0: ignored (proved by a probe)', String(s.ignored)],
      ['length outside 2…254: server closed', `${s.serverCloses} (replies cut short by the close: ${s.shortBeforeClose})`],
      ['incomplete tail: client half-closed', String(s.halfCloses)],
    ]);
  }
  if (only !== 'simulator') {
    const p = await fuzzPoller({ frames, seed, log: console.log });
    report('poller', p, [
      ['replies / time', `${p.frames} / ${p.seconds.toFixed(1)} s = ${Math.round(p.frames / p.seconds)} replies/s, ${p.sessions} sessions`],
      ['accepted (values checked)', String(p.accepted)],
      ['exception replies, right reason, by code', codes(p.exceptions)],
      ['rejected, by reason', codes(p.rejected)],
      ['replies generated, by class', codes(p.classes)],
    ]);
  }
  printTable(['side', 'criterion / figure', 'value', ''], rows);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; seed ${seed}`,
  );
  console.log(failed === 0 ? 'fuzz passed' : `fuzz FAILED: ${failed} criteria`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
