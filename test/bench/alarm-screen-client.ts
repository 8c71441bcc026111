/**
 * Child process of the alarm benchmark: an SSE client and a Modbus client. Each round forces
 * the bench tag above its HI limit, waits for the `alarm` raised event, forces it back below,
 * waits for the clear; it measures poll reply (`readAt` of the sample batch carrying the
 * crossing, stamped in the poller) → event parsed here.
 */
import ModbusRTU from 'modbus-serial';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import { encode } from '../../lib/modbus/codec.ts';
import type { Sample } from '../../lib/types.ts';
import { openSse, type SseEvent } from '../helpers/sse-client.ts';

const { url, cookie, port, rounds } = JSON.parse(process.argv[2]!) as { url: string; cookie: string; port: number; rounds: number; scanMs: number };
const tag = 'bench.level';
const alarmId = `${tag}.hi`;

/** readAt of the newest sample batch that carried the tag, by the value it read. */
let lastReadAt: { value: number; readAt: number } | undefined;
let waiter: { transition: string; resolve: (r: { screen: number; engine: number }) => void } | undefined;

const sse = await openSse(url, {
  cookie,
  onEvent(e: SseEvent) {
    const received = performance.timeOrigin + performance.now();
    if (e.event === 'sample') {
      const s = (e.data.samples as Sample[]).find((x) => x.tag === tag);
      if (s && s.value !== lastReadAt?.value) lastReadAt = { value: s.value!, readAt: e.data.readAt };
    } else if (e.event === 'alarm') {
      const { entry } = e.data as AlarmEventPayload;
      if (entry.alarm !== alarmId || !waiter || entry.transition !== waiter.transition || !lastReadAt) return;
      // The engine evaluates the batch right after the sample event is published: that batch is the crossing.
      waiter.resolve({ screen: received - lastReadAt.readAt, engine: entry.ts - lastReadAt.readAt });
      waiter = undefined;
    }
  },
});
const trim = setInterval(() => sse.events.splice(0), 1000);

const client = new ModbusRTU();
await client.connectTCP('127.0.0.1', { port });
client.setID(1);
client.setTimeout(1000);
const write = (v: number) => client.writeRegisters(0, encode(v, { type: 'float32', wordOrder: 'ABCD', scale: 1, offset: 0 }));

function next(transition: string): Promise<{ screen: number; engine: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${transition} event within 5 s`)), 5000);
    waiter = {
      transition,
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      },
    };
  });
}

const screen: number[] = [];
const engine: number[] = [];
const clear: number[] = [];
await write(50);
await new Promise((r) => setTimeout(r, 1000));
for (let i = 0; i < rounds; i++) {
  const raised = next('raised');
  await write(150);
  const r = await raised;
  screen.push(r.screen);
  engine.push(r.engine);
  const cleared = next('cleared');
  await write(50);
  clear.push((await cleared).screen);
  // Random phase against the scan, so rounds don't all line up with one poll slot.
  await new Promise((r) => setTimeout(r, Math.random() * 50));
}
clearInterval(trim);
sse.close();
client.close(() => {});
process.send!({ screen, engine, clear });
process.exit(0);
