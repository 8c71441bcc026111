/**
 * Live-path benchmark: N tags on simulated PLCs at a scan period, M SSE clients. Prints the
 * latency from poll reply received (in the live process) to event parsed by a client,
 * p50/p99, events/s delivered, and the server's CPU % and RSS.
 *
 *   npm run bench:live -- --tags 1000 --scan 100 --clients 200 --seconds 10
 *   (--live-priority N / --client-priority N: real-time priorities, 0 for ordinary ones)
 *
 * Needs a production build (`npx next build`). The clients run in a child process.
 * The pieces live in live-path.ts, shared with the other live-path benchmarks.
 */
import { parseArgs } from 'node:util';
import { liveBenchArgs, liveBenchOptions, printLive, startLiveBench } from './live-path.ts';

const { values: args } = parseArgs({ options: liveBenchArgs({ tags: '1000', clients: '200', plcs: '10' }) });
const options = liveBenchOptions(args);
const seconds = Number(args.seconds);

const bench = await startLiveBench(options);
try {
  const result = await bench.measure(seconds);
  console.log(
    `live path: ${options.tags} tags @ ${options.scanMs} ms on ${options.plcs} simulated PLCs, ${options.clients} SSE clients, ${seconds} s measured`,
  );
  printLive(options, result);
  console.log(`  target p99 ≤ 10 ms: ${result.p99 <= 10 ? 'met' : 'NOT met'}`);
} finally {
  await bench.close();
}
