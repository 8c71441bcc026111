import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import ModbusRTU from 'modbus-serial';
import { decode, encode } from '../../lib/modbus/codec.ts';
import type { Scenario, TagConfig } from '../../lib/plant/schema.ts';
import { startSimulator, type Simulator } from '../../server/simulator/simulator.ts';
import { parseSimulatorSpec } from '../../server/simulator/simulator-spec.ts';

/**
 * Writes to a simulated PLC, checked by an independent Modbus client: mbpoll (a C program on
 * libmodbus, installed by .ci/run) writes and reads the registers, modbus-serial and our codec
 * read them too, and the simulated plant must react (a follower moves toward its setpoint, a
 * reset clears a jam, a run command stops and starts the line).
 */

// An independent client is the point of these tests: missing, they fail (.ci/run installs it).
test('mbpoll, the independent Modbus client, is installed', () => {
  assert.equal(spawnSync('mbpoll', ['-V']).error, undefined, 'mbpoll is not installed: apt-get install mbpoll (.ci/run installs it)');
});

const TICK_MS = 20;
/** The follower's time constant: 95 % of a setpoint step in 1.5 s. */
const TAU_S = 0.5;

const spec = (scenario: Scenario) =>
  parseSimulatorSpec({
    lineId: 'press',
    host: '127.0.0.1',
    port: 0,
    unitId: 1,
    scenario,
    tags: [
      { name: 'running', area: 'coil', address: 0, type: 'bool', sim: { model: 'running' } },
      { name: 'fault', area: 'coil', address: 1, type: 'bool', sim: { model: 'fault' } },
      { name: 'fault-reset', area: 'coil', address: 2, type: 'bool', sim: { model: 'command', action: 'reset' }, writable: { pulseMs: 500 } },
      { name: 'run-command', area: 'coil', address: 3, type: 'bool', sim: { model: 'command', action: 'run' }, writable: {} },
      {
        name: 'setpoint',
        area: 'holding',
        address: 10,
        type: 'float32',
        wordOrder: 'CDAB',
        sim: { model: 'constant', nominal: 50 },
        writable: { min: 0, max: 200 },
      },
      {
        name: 'temp',
        area: 'holding',
        address: 12,
        type: 'float32',
        wordOrder: 'CDAB',
        sim: { model: 'analog', nominal: 50, follows: 'setpoint', followTauS: TAU_S },
      },
      { name: 'limit', area: 'holding', address: 14, type: 'float32', wordOrder: 'ABCD', writable: { min: -100, max: 100 } },
      { name: 'count', area: 'holding', address: 20, type: 'uint32', sim: { model: 'counter', rate: 50 } },
    ],
  });
const tagOf = (name: string): TagConfig => spec('normal').tags.find((t) => t.name === name)!;

const simulators = new Set<Simulator>();
const clients = new Set<ModbusRTU>();
after(async () => {
  for (const c of clients) c.close(() => {});
  for (const s of simulators) await s.close();
});

async function start(scenario: Scenario): Promise<{ sim: Simulator; client: ModbusRTU }> {
  const sim = await startSimulator(spec(scenario), { tickMs: TICK_MS });
  simulators.add(sim);
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port: sim.port });
  client.setID(1);
  client.setTimeout(1000);
  clients.add(client);
  return { sim, client };
}

/** Runs mbpoll once against the simulator (async: the simulator answers from this process). */
async function mbpoll(port: number, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('mbpoll', ['-m', 'tcp', '-a', '1', '-p', String(port), '-o', '2', ...args], { timeout: 10_000 });
  return stdout;
}

/** One read with mbpoll: values by mbpoll's 1-based reference (register address + 1). */
async function mbpollRead(port: number, type: string, reference: number, count: number, extra: string[] = []): Promise<Map<number, number>> {
  const out = await mbpoll(port, ['-1', '-t', type, '-r', String(reference), '-c', String(count), ...extra, '127.0.0.1']);
  const values = new Map([...out.matchAll(/^\[(\d+)\]:\s+(\S+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
  assert.equal(values.size, count, out);
  return values;
}

async function mbpollWrite(port: number, type: string, reference: number, value: number, extra: string[] = []): Promise<void> {
  const out = await mbpoll(port, ['-t', type, '-r', String(reference), ...extra, '127.0.0.1', '--', String(value)]);
  assert.match(out, /Written 1 references/);
}

const coils = async (client: ModbusRTU) => {
  const { data } = await client.readCoils(0, 4);
  return { running: data[0], fault: data[1], reset: data[2], run: data[3] };
};
const readTag = async (client: ModbusRTU, name: string) => {
  const tag = tagOf(name);
  return decode((await client.readHoldingRegisters(tag.address, 2)).data, 0, tag);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(10);
  }
}

test('mbpoll writes a CDAB float32 setpoint: mbpoll and modbus-serial read it back, the follower moves toward it', async () => {
  const { sim, client } = await start('normal');
  assert.equal(await readTag(client, 'temp'), 50);

  // mbpoll's float word order is little-endian (CDAB) unless -B; reference = address + 1.
  const t0 = performance.now();
  await mbpollWrite(sim.port, '4:float', 11, 123.25);
  const first = await readTag(client, 'temp');
  const firstAt = performance.now();

  // The registers hold 123.25 = 0x42F68000 with the words swapped, whoever reads them.
  const { data } = await client.readHoldingRegisters(10, 2);
  assert.deepEqual([...data], [0x8000, 0x42f6]);
  assert.deepEqual([...data], encode(123.25, tagOf('setpoint')));
  assert.equal(decode(data, 0, tagOf('setpoint')), 123.25);
  assert.equal((await mbpollRead(sim.port, '4:float', 11, 1)).get(11), 123.25);
  assert.deepEqual(sim.forcedTags(), ['setpoint']);

  // The follower cannot be further along than the real time since the write allows...
  const along = (value: number) => (value - 50) / (123.25 - 50);
  const most = (ms: number) => 1 - Math.exp(-ms / 1000 / TAU_S);
  assert.ok(along(first) <= most(firstAt - t0) + 1e-6, `no jump: ${first} ${(firstAt - t0).toFixed(0)} ms after the write`);
  // ...and gets there: within 2 % after ln(50)·τ ≈ 2 s, rising all the way, never past it.
  const seen: number[] = [first];
  const reached = await until(
    'temp within 2 % of the setpoint',
    async () => {
      const value = await readTag(client, 'temp');
      seen.push(value);
      return { value, ms: performance.now() - t0 };
    },
    ({ value }) => along(value) >= 0.98,
  );
  assert.ok(reached.ms >= Math.log(50) * TAU_S * 1000 - TICK_MS, `reached after ${reached.ms.toFixed(0)} ms: faster than τ = ${TAU_S} s allows`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]! && seen[i]! <= 123.25, `rising toward 123.25: ${seen.join(', ')}`);
  // The setpoint itself holds what was written: the model does not overwrite a forced tag.
  assert.equal(await readTag(client, 'setpoint'), 123.25);
});

test('both float word orders agree between mbpoll and our codec, in both directions', async () => {
  const { sim, client } = await start('normal');
  // ABCD needs mbpoll's -B; 42.5 = 0x422A0000.
  await mbpollWrite(sim.port, '4:float', 15, 42.5, ['-B']);
  const abcd = (await client.readHoldingRegisters(14, 2)).data;
  assert.deepEqual([...abcd], [0x422a, 0x0000]);
  assert.equal(decode(abcd, 0, tagOf('limit')), 42.5);
  // Our encoder writes, mbpoll decodes: a negative value in each order.
  await client.writeRegisters(14, encode(-17.75, tagOf('limit')));
  assert.equal((await mbpollRead(sim.port, '4:float', 15, 1, ['-B'])).get(15), -17.75);
  await client.writeRegisters(10, encode(-88.5, tagOf('setpoint')));
  assert.equal((await mbpollRead(sim.port, '4:float', 11, 1)).get(11), -88.5);
});

test('mbpoll writes the reset command (FC 5) on a jammed line: the fault bit clears, the line runs', async () => {
  const { sim, client } = await start('jam');
  assert.deepEqual(await coils(client), { running: false, fault: true, reset: false, run: true });
  const idle = await readTag(client, 'count');
  await mbpollWrite(sim.port, '0', 3, 1);
  // The model steps on every client write, so the reply to the next read already shows it.
  assert.deepEqual(await coils(client), { running: true, fault: false, reset: true, run: true });
  const seen = await mbpollRead(sim.port, '0', 1, 4);
  assert.deepEqual([...seen.values()], [1, 0, 1, 1], 'mbpoll sees the same coils');
  await until(
    'the counter counting',
    () => readTag(client, 'count'),
    (c) => c >= idle + 5,
  );
});

test('commands through modbus-serial: a reset pulse clears a jam; run 0 stops the line, run 1 starts it', async () => {
  const { sim, client } = await start('jam');
  const count0 = await readTag(client, 'count');
  await sleep(200);
  assert.equal(await readTag(client, 'count'), count0, 'jammed: the counter stands');

  // A momentary command as the write path sends it: 1, then 0 after the pulse.
  await client.writeCoil(2, true);
  assert.deepEqual(await coils(client), { running: true, fault: false, reset: true, run: true });
  await client.writeCoil(2, false);
  assert.deepEqual(await coils(client), { running: true, fault: false, reset: false, run: true }, 'reads back 0; the fault stays cleared');
  await until(
    'the counter counting',
    () => readTag(client, 'count'),
    (c) => c >= count0 + 5,
  );

  // Latched run command: 0 stops the line, the counter freezes and the command reads back 0.
  await client.writeCoil(3, false);
  assert.deepEqual(await coils(client), { running: false, fault: false, reset: false, run: false });
  const stopped = await readTag(client, 'count');
  await sleep(200);
  assert.equal(await readTag(client, 'count'), stopped, 'stopped: the counter stands');
  await client.writeCoil(3, true);
  assert.deepEqual(await coils(client), { running: true, fault: false, reset: false, run: true });
  await until(
    'the counter counting again',
    () => readTag(client, 'count'),
    (c) => c >= stopped + 5,
  );
  assert.deepEqual(sim.forcedTags(), ['fault-reset', 'run-command']);
});
