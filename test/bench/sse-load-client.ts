/**
 * Child process of the live benchmark: opens M SSE clients to the server and measures, for
 * every sample event, poll reply received (`readAt`, stamped in the poller) → event read
 * here. Runs apart from the server so the clients don't share its event loop, and reads
 * frames from raw socket bytes (node:http, no web streams, no decoding of whole payloads),
 * so the load generator is not what saturates.
 */
import { request } from 'node:http';

const { url, cookie, clients, seconds, warmupS } = JSON.parse(process.argv[2]!) as {
  url: string;
  cookie: string;
  clients: number;
  seconds: number;
  warmupS: number;
};

const latencies: number[] = [];
let events = 0;
let samples = 0;
let measuring = false;
const requests: ReturnType<typeof request>[] = [];

const frameEnd = Buffer.from('\n\n');
const sampleEvent = Buffer.from('event: sample\n');
const readAtKey = Buffer.from('"readAt":');
const rowStart = Buffer.from('["'); // a sample row of the wire form (lib/stream/sample-wire.ts)

/** One SSE frame (`start`..`end` of `buf`): a sample event's latency and sample count. */
function onFrame(buf: Buffer, start: number, end: number): void {
  const now = performance.timeOrigin + performance.now();
  if (!measuring) return;
  const ev = buf.indexOf(sampleEvent, start);
  if (ev < 0 || ev > end) return;
  const at = buf.indexOf(readAtKey, ev);
  if (at < 0 || at > end) return;
  const readAt = parseFloat(buf.toString('latin1', at + readAtKey.length, Math.min(end, at + readAtKey.length + 24)));
  latencies.push(now - readAt);
  events++;
  for (let i = buf.indexOf(rowStart, at); i >= 0 && i < end; i = buf.indexOf(rowStart, i + rowStart.length)) samples++;
}

function client(): void {
  const req = request(url, { headers: { accept: 'text/event-stream', cookie } }, (res) => {
    let rest: Buffer | undefined;
    res.on('data', (chunk: Buffer) => {
      const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let end = buf.indexOf(frameEnd); end >= 0; end = buf.indexOf(frameEnd, start)) {
        onFrame(buf, start, end);
        start = end + 2;
      }
      rest = start < buf.length ? buf.subarray(start) : undefined;
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  requests.push(req);
}

for (let i = 0; i < clients; i++) client();
await new Promise((r) => setTimeout(r, warmupS * 1000));
measuring = true;
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const cpu = process.cpuUsage(cpu0);
// Above ~90 % the load generator, not the server, sets the latency.
const clientCpuPct = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
for (const req of requests) req.destroy();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
process.send!({ events, samples, p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? null, count: latencies.length, clientCpuPct });
process.exit(0);
