/**
 * Child process of the history-live benchmark: `clients` loops, each asking the server for
 * `days`-day trends of the history tags, back to back (or with `pause` ms between queries),
 * until the parent sends `stop`; then it sends back the round trips and the workers' times.
 * Apart from the server, as real browsers are: parsing the answers must not cost the
 * server's event loop anything.
 */
import type { TrendResponse } from '../../lib/history/trend.ts';

const { url, cookie, clients, tags, days, end, pause } = JSON.parse(process.argv[2]!) as {
  url: string;
  cookie: string;
  clients: number;
  tags: string[];
  days: number;
  end: number;
  pause: number;
};
const DAY = 86_400_000;
const latencies: number[] = [];
const serverMs: number[] = [];
let stop = false;
const cpuAtStart = process.cpuUsage();
const startedAt = performance.now();

const loops = Array.from({ length: clients }, async (_, c) => {
  let k = 0;
  while (!stop) {
    const tag = tags[(c + k++) % tags.length]!;
    // Slide the window a little each time so nothing is answered from a cache.
    const to = end - ((c * 7919 + k * 104_729) % DAY);
    const t = performance.now();
    const res = await fetch(`${url}/api/history?tags=${tag}&from=${new Date(to - days * DAY).toISOString()}&to=${new Date(to).toISOString()}&width=1000`, {
      headers: { cookie },
    });
    const body = (await res.json()) as TrendResponse;
    if (res.status !== 200) throw new Error(`query failed: ${res.status} ${JSON.stringify(body)}`);
    latencies.push(performance.now() - t);
    serverMs.push(body.tookMs);
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  }
});

process.on('message', async (m) => {
  if (m !== 'stop') return;
  stop = true;
  await Promise.all(loops);
  // Its own CPU, % of one core: on one machine, the browsers' work competes with the server's.
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuPct = ((cpu.user + cpu.system) / 1e3 / (performance.now() - startedAt)) * 100;
  process.send!({ latencies, serverMs, cpuPct }, () => process.exit(0));
});
