/**
 * Memory of the production server tree (the built server as `npm start` runs it, and its live
 * process) while it polls one PLC and streams to live clients, with history on: the set-up of
 * the side-by-side comparison with FUXA and Node-RED (100 tags @ 100 ms, 50 SSE clients).
 * The PLC is a simulator in this bench process, outside the measured tree, as an external PLC
 * would be. Prints each process's RSS (max over the window) and the tree's; target < 250 MB.
 *
 *   npm run bench:memory -- --tags 100 --scan 100 --clients 50 --seconds 60
 *   (--dir D --entry server/start.mjs: another checkout's server, e.g. an older commit, to compare)
 *
 * Needs the production builds (`npm run build`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSimulatorSpec } from '../../server/simulator/simulator-spec.ts';
import { startSimulator } from '../../server/simulator/simulator.ts';
import { descendantsOf } from '../helpers/proc-stat.ts';
import { login, testPassword } from '../helpers/test-server.ts';
import { forkLoadClient } from './live-path.ts';

const { values: args } = parseArgs({
  options: {
    tags: { type: 'string', default: '100' },
    scan: { type: 'string', default: '100' },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    dir: { type: 'string', default: process.cwd() },
    entry: { type: 'string', default: 'dist/server/main.js' },
  },
});
const tags = Number(args.tags);
const scanMs = Number(args.scan);
const clients = Number(args.clients);
const seconds = Number(args.seconds);

const tagList = Array.from({ length: tags }, (_, i) => ({
  name: `t${i}`,
  area: 'holding',
  address: i * 2,
  type: 'float32',
  sim: { model: 'analog', nominal: 100 + i, noise: 0.5 },
}));
const plc = await startSimulator(parseSimulatorSpec({ lineId: 'bench', host: '127.0.0.1', port: 0, unitId: 1, scenario: 'normal', tags: tagList }));
const dataDir = await mkdtemp(join(tmpdir(), 'lw-memory-'));
const plantFile = join(dataDir, 'plant.json');
await writeFile(
  plantFile,
  JSON.stringify({
    name: 'memory bench',
    lines: [
      {
        id: 'bench',
        name: 'Bench',
        connections: [{ id: 'bench-plc', protocol: 'tcp', host: '127.0.0.1', port: plc.port, scanMs, tags: tagList.map(({ sim: _, ...t }) => t) }],
      },
    ],
  }),
);

/** The Node flags `npm start` gives the server (package.json): measured as it runs. */
const startFlags = (JSON.parse(readFileSync(join(args.dir, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));
const server = spawn(process.execPath, [...startFlags, args.entry!], {
  cwd: args.dir,
  env: {
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    LINEWATCH_DATA: dataDir,
    LINEWATCH_PLANT: plantFile,
    LINEWATCH_ADMIN_PASSWORD: testPassword,
    LINEWATCH_LOG_FORMAT: 'json',
    // All the load client's streams share one sign-in.
    LINEWATCH_MAX_STREAMS_PER_SESSION: '1000',
    LINEWATCH_MAX_STREAMS_PER_USER: '1000',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
const rssMiB = (pid: number) => {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
const nameOf = (pid: number) =>
  pid === server.pid ? 'server' : /live-process/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) ? 'live process' : `pid ${pid}`;

try {
  let url: string | undefined;
  for (let i = 0; i < 300 && !url; i++) {
    url = /Linewatch listening on (http:\/\/[^\s"]+)/.exec(out)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 100));
  }
  if (!url) throw new Error(`the server did not start:\n${out}`);
  const cookie = await login(url, 'admin');
  const client = forkLoadClient({ url: `${url}/api/stream`, cookie, clients, seconds, warmupS: 5, priority: 0 });
  const peak = new Map<string, number>();
  const treeSeries: number[] = [];
  const sampler = setInterval(() => {
    const tree = [server.pid!, ...descendantsOf(server.pid!).map((p) => p.pid)];
    let total = 0;
    for (const pid of tree) {
      const rss = rssMiB(pid);
      if (rss === 0) continue;
      total += rss;
      const name = nameOf(pid);
      peak.set(name, Math.max(peak.get(name) ?? 0, rss));
    }
    treeSeries.push(total);
  }, 500);
  const figures = await client.result;
  clearInterval(sampler);
  const measured = treeSeries.slice(10); // past the clients' warm-up
  const max = Math.max(...measured);
  const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
  console.log(
    `memory: ${tags} tags @ ${scanMs} ms on one PLC, ${clients} SSE clients, history on, ${seconds} s; ${args.dir}/${args.entry} ${startFlags.join(' ')}`,
  );
  for (const [name, rss] of peak) console.log(`  ${name}: RSS max ${rss.toFixed(0)} MiB`);
  console.log(`  tree: RSS max ${max.toFixed(0)} MiB, mean ${mean.toFixed(0)} MiB (target < 250 MB = 238 MiB: ${max < 238 ? 'met' : 'NOT met'})`);
  console.log(`  live path meanwhile: ${Math.round(figures.events / seconds)} events/s, p99 ${figures.p99.toFixed(1)} ms`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await plc.close();
  await rm(dataDir, { recursive: true, force: true });
}
