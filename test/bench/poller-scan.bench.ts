/**
 * Scan regularity of one healthy PLC while another PLC on the same poller accepts connections
 * and never answers (each of its reads hangs for its timeout, then it reconnects). Prints the
 * intervals between the healthy PLC's reads (`readAt`, stamped when each reply was decoded):
 * mean, p50, p99, max, and how many scan slots were missed. The integration test
 * (test/integration/poller.test.ts) only asserts that the healthy PLC never waits for the
 * silent one; how regular its scan is on this machine is this figure.
 *
 *   npm run bench:poller-scan -- --seconds 10 --scan 100 [--no-silent]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ServerTCP } from 'modbus-serial';
import { plantSchema } from '../../lib/plant/schema.ts';
import { createPoller } from '../../server/poller/poller.ts';
import { startSilentPlc } from '../helpers/silent-plc.ts';
import { freePort } from '../helpers/free-port.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    scan: { type: 'string', default: '100' },
    'no-silent': { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const scanMs = Number(args.scan);
const withSilent = !args['no-silent'];

const plcPort = await freePort();
const plc = await new Promise<ServerTCP>((resolve, reject) => {
  const server = new ServerTCP({ getHoldingRegister: (addr: number) => addr }, { host: '127.0.0.1', port: plcPort, unitID: 1 });
  server.on('socketError', () => {});
  server.once('serverError', reject);
  server.once('initialized', () => resolve(server));
});
const silent = await startSilentPlc();
const silentPort = silent.port;

const plant = plantSchema.parse({
  name: 'poller scan bench',
  lines: [
    {
      id: 'press',
      name: 'Press',
      connections: [
        {
          id: 'plc',
          protocol: 'tcp',
          host: '127.0.0.1',
          port: plcPort,
          scanMs,
          timeoutMs: 500,
          tags: Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, area: 'holding', address: i, type: 'uint16' })),
        },
      ],
    },
    ...(withSilent
      ? [
          {
            id: 'oven',
            name: 'Oven (accepts, never answers)',
            connections: [
              {
                id: 'silent',
                protocol: 'tcp',
                host: '127.0.0.1',
                port: silentPort,
                scanMs,
                timeoutMs: 1000,
                tags: [{ name: 'temp', area: 'holding', address: 0, type: 'uint16' }],
              },
            ],
          },
        ]
      : []),
  ],
});

let measuring = false;
const readAts: number[] = [];
const poller = createPoller({
  plant,
  onSamples(batch) {
    if (measuring && batch.connection === 'plc' && batch.samples.some((s) => s.quality === 'good')) readAts.push(batch.readAt);
  },
});
await poller.start();
try {
  // Connected and past the silent PLC's first timeout before the clock starts.
  await new Promise((r) => setTimeout(r, 1500));
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
} finally {
  await poller.stop();
  await new Promise<void>((resolve) => plc.close(() => resolve()));
  await silent.close();
}

const gaps = readAts.slice(1).map((t, i) => t - readAts[i]!);
const sorted = [...gaps].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
const missed = gaps.reduce((n, g) => n + Math.max(0, Math.round(g / scanMs) - 1), 0);
const f = (n: number) => n.toFixed(1);
console.log(
  `poller scan: one PLC (20 tags) @ ${scanMs} ms${withSilent ? ', next to a PLC that never answers (1 s timeout, reconnects)' : ''}, ${seconds} s measured`,
);
console.log(
  `  ${readAts.length} reads; interval mean ${f(mean)} ms, p50 ${f(pct(50))} ms, p99 ${f(pct(99))} ms, max ${f(sorted.at(-1) ?? Number.NaN)} ms; ${missed} scan slots missed`,
);
console.log(`  machine load average ${loadavg()[0]!.toFixed(1)}`);
