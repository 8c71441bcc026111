/**
 * How long starting a child process blocks the server's event loop: `child_process.fork`
 * from this process (the baseline) against the supervisor, which forks through its launcher
 * process (server/supervisor/launcher.ts). This process first grows to about the server's
 * size (`--mib` of buffers plus a JS heap of small objects), since fork's cost grows with the
 * forking process's memory. Prints, per way, how long the starting call itself held the
 * event loop and the loop's longest stall (monitorEventLoopDelay) while a child started,
 * became ready and was stopped: p50 and max over `--starts` starts, and the ratios.
 *
 *   npm run bench:supervisor-fork -- --starts 20 --mib 300
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSupervisor } from '../../server/supervisor/supervisor.ts';

const { values: args } = parseArgs({
  options: {
    starts: { type: 'string', default: '20' },
    mib: { type: 'string', default: '300' },
  },
});
const starts = Number(args.starts);
const child = fileURLToPath(new URL('../fixtures/children/ready-child.ts', import.meta.url));
const tsx = ['--import', import.meta.resolve('tsx')];

// Resident memory like the server's: buffers (touched, so they are really mapped) and a heap of objects.
const ballast = Array.from({ length: Number(args.mib) }, () => Buffer.alloc(1 << 20, 1));
const heap = Array.from({ length: 1_000_000 }, (_, i) => ({ i, s: `v${i}` }));
console.log(`forking from a process of ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB resident, ${starts} starts each way (ready-child, tsx)`);

/**
 * One start: `run` starts a child (returning how long its starting call took, ms), waits
 * until it is ready and stops it; with the event loop's longest stall meanwhile.
 */
async function measureStart(run: () => Promise<number>): Promise<{ call: number; stall: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // The histogram's first tick is its baseline: a stall before it would go unseen.
  await new Promise((r) => setTimeout(r, 20));
  const call = await run();
  h.disable();
  return { call, stall: h.max / 1e6 };
}
const timed = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  return [f(), performance.now() - t];
};

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[s.length >> 1]!, max: s.at(-1)! };
};

const direct: { call: number; stall: number }[] = [];
for (let i = 0; i < starts; i++) {
  direct.push(
    await measureStart(async () => {
      const [c, ms] = timed(() => fork(child, [], { execArgv: tsx, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));
      c.send({ type: 'config', greeting: 'bench' });
      await new Promise((r) => c.once('message', r));
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
      return ms;
    }),
  );
}

const supervisor = createSupervisor();
// The launcher's own start is once per server, at boot: not what is measured.
await supervisor.start({ id: 'warm', name: 'warm', module: child, initialMessage: { type: 'config' }, waitForReady: true }).stop();
const launched: { call: number; stall: number }[] = [];
for (let i = 0; i < starts; i++) {
  launched.push(
    await measureStart(async () => {
      const [handle, ms] = timed(() => supervisor.start({ id: `c${i}`, name: 'bench', module: child, initialMessage: { type: 'config', greeting: 'bench' }, waitForReady: true }));
      while (handle.info().status === 'starting') await new Promise((r) => setTimeout(r, 5));
      await handle.stop();
      return ms;
    }),
  );
}
await supervisor.stopAll();

const fmt = (s: { p50: number; max: number }) => `p50 ${s.p50.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
for (const [label, xs] of [['fork() from this process', direct], ['supervisor, through the launcher', launched]] as const) {
  console.log(`${label}: the starting call ${fmt(stats(xs.map((x) => x.call)))}; longest event-loop stall per start ${fmt(stats(xs.map((x) => x.stall)))}`);
}
const ratio = (k: 'call' | 'stall') => (stats(launched.map((x) => x[k])).p50 / stats(direct.map((x) => x[k])).p50).toFixed(2);
console.log(`launcher / direct, p50: starting call ${ratio('call')}×, longest stall ${ratio('stall')}×`);
