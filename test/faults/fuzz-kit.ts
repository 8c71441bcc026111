import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Small pieces the fuzz and kill harnesses share: a seeded PRNG (so a failure reproduces from
 * the printed seed), a forced GC for memory figures, and a plain-text table.
 */

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** sfc32 seeded through splitmix32: fast, and good enough to drive a fuzzer. */
export function createPrng(seed: number): Prng {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    bytes(n) {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = int(0, 255);
      return out;
    },
    chance: (p) => next() < p,
  };
}

/** The seed from `--seed N` or FUZZ_SEED, else a fresh one (printed by the caller). */
export function seedFromArgs(argv: string[] = process.argv.slice(2)): number {
  const i = argv.indexOf('--seed');
  const raw = i >= 0 ? argv[i + 1] : process.env.FUZZ_SEED;
  return raw !== undefined && raw !== '' ? Number(raw) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** A numeric `--name N` flag, else `fallback`. */
export function numberArg(name: string, fallback: number, argv: string[] = process.argv.slice(2)): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
}

let gcFn: (() => void) | undefined;
/** A full GC, without needing `--expose-gc` on the command line (the flag only takes effect in a new context). */
export function forceGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

export interface MemoryFigure {
  heapMb: number;
  rssMb: number;
}

/** heapUsed (after a full GC) and RSS, MB. */
export function memoryAfterGc(): MemoryFigure {
  forceGc();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 };
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
