/**
 * Child process of the live benchmark: opens M SSE clients to the server and measures, for
 * every sample event, poll reply received (`readAt`, stamped in the poller) → event read
 * here. Runs apart from the server so the clients don't share its event loop, and reads
 * frames without parsing whole payloads, so the load generator is not what saturates.
 */
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
const abort = new AbortController();

function onFrame(frame: string): void {
  if (!measuring || !frame.includes('event: sample')) return;
  const at = frame.indexOf('"readAt":');
  if (at < 0) return;
  const readAt = parseFloat(frame.slice(at + 9, at + 40));
  latencies.push(performance.timeOrigin + performance.now() - readAt);
  events++;
  for (let i = frame.indexOf('{"tag"'); i >= 0; i = frame.indexOf('{"tag"', i + 6)) samples++;
}

async function client(): Promise<void> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', cookie }, signal: abort.signal });
  const decoder = new TextDecoder();
  let rest = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const text = rest + decoder.decode(chunk, { stream: true });
      let start = 0;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
        onFrame(text.slice(start, end));
        start = end + 2;
      }
      rest = text.slice(start);
    }
  } catch {
    // aborted at the end
  }
}

const running = Array.from({ length: clients }, client);
await new Promise((r) => setTimeout(r, warmupS * 1000));
measuring = true;
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
abort.abort();
await Promise.allSettled(running);
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
process.send!({ events, samples, p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? null, count: latencies.length });
process.exit(0);
export {};
