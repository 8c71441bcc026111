/**
 * Child process of the live benchmark: opens M SSE clients to the server and measures, for
 * every sample event, poll reply received (`readAt`, stamped in the poller) → event read
 * here. Runs apart from the server so the clients don't share its event loop, and reads
 * frames from raw TCP bytes (a plain socket: no HTTP client stack, no web streams, no
 * decoding of whole payloads), so the load generator takes as little CPU from the server as
 * it can: on one machine both share the cores.
 */
import { connect, type Socket } from 'node:net';
import { realtimeMainThread } from '../../server/util/thread-priority.ts';
import type { LoadClientOrder } from './live-path.ts';

const { url, cookie, clients, seconds, warmupS, priority } = JSON.parse(process.argv[2]!) as LoadClientOrder;
// Where refused, the client runs at an ordinary priority, and the bench prints the policy it has.
if (priority > 0) realtimeMainThread(priority);

const latencies: number[] = [];
/** Bus id time (when the bus took the event: Redis's clock, or the in-process bus's) → read here: the part after the publish. */
const afterBus: number[] = [];
let events = 0;
let measuring = false;
const sockets: Socket[] = [];

const frameEnd = Buffer.from('\n\n');
const sampleEvent = Buffer.from('event: sample\n');
const readAtKey = Buffer.from('"readAt":');
const idKey = Buffer.from('id: ');
const rowStart = Buffer.from('["'); // a sample row of the wire form (lib/stream/sample-wire.ts)

let probeEvents = 0;
let probeSamples = 0;

/**
 * One SSE frame (`start`..`end` of `buf`) that arrived at `now`: a sample event's latency.
 * Only the first client counts the sample rows of its events (all get the same ones):
 * scanning every row of 200 copies would make the load generator the bottleneck.
 */
function onFrame(buf: Buffer, start: number, end: number, now: number, probe: boolean): void {
  if (!measuring) return;
  const ev = buf.indexOf(sampleEvent, start);
  if (ev < 0 || ev > end) return;
  const at = buf.indexOf(readAtKey, ev);
  if (at < 0 || at > end) return;
  const readAt = parseFloat(buf.toString('latin1', at + readAtKey.length, Math.min(end, at + readAtKey.length + 24)));
  latencies.push(now - readAt);
  const id = buf.indexOf(idKey, start);
  if (id >= 0 && id < ev) afterBus.push(now - parseInt(buf.toString('latin1', id + idKey.length, id + idKey.length + 16), 10));
  events++;
  if (!probe) return;
  probeEvents++;
  for (let i = buf.indexOf(rowStart, at); i >= 0 && i < end; i = buf.indexOf(rowStart, i + rowStart.length)) probeSamples++;
}

const target = new URL(url);
const requestHead = `GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\naccept: text/event-stream\r\ncookie: ${cookie}\r\n\r\n`;
const headEnd = Buffer.from('\r\n\r\n');

/** One SSE client on a raw socket (the stream is close-delimited: no chunked framing to undo). */
function client(probe: boolean): void {
  const socket = connect(Number(target.port), target.hostname, () => socket.write(requestHead));
  let rest: Buffer | undefined;
  let inBody = false;
  socket.on('data', (chunk: Buffer) => {
    // Received: the earliest moment this process sees the bytes.
    const now = performance.timeOrigin + performance.now();
    let buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    if (!inBody) {
      const head = buf.indexOf(headEnd);
      if (head < 0) {
        rest = buf;
        return;
      }
      if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 200')) throw new Error(`stream refused: ${buf.subarray(0, head).toString()}`);
      inBody = true;
      buf = buf.subarray(head + headEnd.length);
    }
    let start = 0;
    for (let end = buf.indexOf(frameEnd); end >= 0; end = buf.indexOf(frameEnd, start)) {
      onFrame(buf, start, end, now, probe);
      start = end + 2;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
  });
  socket.on('error', () => undefined);
  sockets.push(socket);
}

for (let i = 0; i < clients; i++) client(i === 0);
await new Promise((r) => setTimeout(r, warmupS * 1000));
measuring = true;
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const cpu = process.cpuUsage(cpu0);
// Above ~90 % the load generator, not the server, sets the latency.
const clientCpuPct = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
for (const socket of sockets) socket.destroy();
latencies.sort((a, b) => a - b);
afterBus.sort((a, b) => a - b);
const pctOf = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? null;
const pct = (p: number) => pctOf(latencies, p);
const samples = probeEvents > 0 ? Math.round(events * (probeSamples / probeEvents)) : 0;
process.send!({
  events,
  samples,
  p50: pct(50),
  p99: pct(99),
  max: latencies.at(-1) ?? null,
  count: latencies.length,
  clientCpuPct,
  afterBusP50: pctOf(afterBus, 50),
  afterBusP99: pctOf(afterBus, 99),
});
process.exit(0);
