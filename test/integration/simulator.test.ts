import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { decode, encode } from '../../lib/modbus/codec.ts';
import type { Scenario, TagConfig } from '../../lib/plant/schema.ts';
import { demoPlantPath, parsePlant } from '../../server/plant/load-plant.ts';
import type { SimulatorSpec } from '../../server/simulator/simulator-spec.ts';

const simulatorMain = fileURLToPath(new URL('../../server/simulator/simulator-main.ts', import.meta.url));

const plant = parsePlant(JSON.parse(await readFile(demoPlantPath, 'utf8')));
const filling = plant.lines.find((l) => l.id === 'filling')!;
const fillingPlc = filling.connections.find((c) => c.protocol === 'tcp' && c.simulated)!;
const tagsByName = new Map(fillingPlc.tags.map((t) => [t.name, t]));
const fillingTag = (name: string): TagConfig => tagsByName.get(name)!;

const specFor = (scenario: Scenario, port = 0): SimulatorSpec => ({
  lineId: filling.id,
  host: '127.0.0.1',
  port,
  unitId: fillingPlc.unitId,
  scenario,
  tags: fillingPlc.tags,
});

interface Forked {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const clients = new Set<ModbusRTU>();
after(async () => {
  for (const c of clients) c.close(() => {});
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Forks simulator-main.ts as the supervisor will, sends `start`, waits for `ready`. */
async function forkSimulator(spec: unknown): Promise<Forked> {
  const child = fork(simulatorMain, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  child.send({ type: 'start', spec });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready message within 10 s; output:\n${out}`)), 10_000);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && typeof m.port === 'number') {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`exited with ${code} before ready; output:\n${out}`), { exitCode: code, output: out }));
    });
  });
  return { child, port, output: () => out, exited };
}

async function connect(port: number, timeoutMs = 1000): Promise<ModbusRTU> {
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(1);
  client.setTimeout(timeoutMs);
  clients.add(client);
  return client;
}

async function stop(f: Forked): Promise<void> {
  f.child.kill('SIGTERM');
  await f.exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const modbusCode = (error: unknown) => (error as { modbusCode?: number }).modbusCode;

/** Engineering values of every filling-line holding-register tag, from one FC03 read. */
async function readFilling(client: ModbusRTU): Promise<Map<string, number>> {
  const { data } = await client.readHoldingRegisters(0, 24);
  return new Map(fillingPlc.tags.filter((t) => t.area === 'holding').map((t) => [t.name, decode(data, t.address, t)]));
}

/**
 * Reads until `check` holds: what the model did by then is checked against something it
 * must have done meanwhile, not against a fixed sleep that a loaded machine may not cover.
 */
async function readFillingUntil(
  client: ModbusRTU,
  what: string,
  check: (values: Map<string, number>) => boolean,
  timeoutMs = 10_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await readFilling(client);
    if (check(values)) return values;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(Object.fromEntries(values))}`);
    await sleep(50);
  }
}

test('normal: a standard client reads plausible values; counters count', async () => {
  const sim = await forkSimulator(specFor('normal'));
  const log = sim.output();
  assert.match(log, new RegExp(`:${sim.port}\\b`));
  assert.match(log, /scenario normal/);
  assert.match(log, new RegExp(`${fillingPlc.tags.length} tags`));

  const client = await connect(sim.port);
  const coils = await client.readCoils(0, 2);
  assert.deepEqual(coils.data.slice(0, 2), [true, false], 'running, no fault');

  const first = await readFilling(client);
  for (const t of fillingPlc.tags) {
    if (t.area !== 'holding' || t.sim?.model !== 'analog') continue;
    const { nominal, noise, drift, min, max } = t.sim;
    const value = first.get(t.name)!;
    const slack = drift + 3 * noise + t.scale; // + one raw step of rounding
    assert.ok(value >= Math.max(nominal - slack, min ?? -Infinity) && value <= Math.min(nominal + slack, max ?? Infinity), `${t.name} = ${value}`);
  }
  const conveyor = first.get('conveyor-speed')!;
  assert.ok(conveyor >= 0.8 - 0.01 && conveyor <= 1.2 + 0.01, `conveyor-speed ${conveyor}`);

  await sleep(1000);
  const later = await readFilling(client);
  const filled = later.get('bottles-filled')! - first.get('bottles-filled')!;
  assert.ok(filled >= 3 && filled <= 8, `bottles-filled +${filled} in ~1 s at 5/s`);
  assert.ok(Number.isInteger(later.get('bottles-filled')));
  await stop(sim);
});

test('bad requests get exceptions (03 quantity, 02 address) and the server keeps answering', async () => {
  const sim = await forkSimulator(specFor('normal'));
  const client = await connect(sim.port);
  await assert.rejects(client.readHoldingRegisters(0, 126), (e) => modbusCode(e) === 3);
  assert.equal((await client.readHoldingRegisters(0, 125)).data.length, 125);
  await assert.rejects(client.readHoldingRegisters(9999, 2), (e) => modbusCode(e) === 2);
  await assert.rejects(client.readInputRegisters(10_000, 1), (e) => modbusCode(e) === 2);
  await assert.rejects(client.readCoils(0, 2001), (e) => modbusCode(e) === 3);
  assert.equal((await client.readHoldingRegisters(9999, 1)).data.length, 1);

  // Garbage framing (MBAP length 0xFFFF) costs only that connection.
  const raw = new Socket();
  raw.connect(sim.port, '127.0.0.1');
  await once(raw, 'connect');
  raw.on('error', () => {});
  raw.write(Buffer.from([0, 1, 0, 0, 0xff, 0xff, 1, 3, 0, 0]));
  await once(raw, 'close');
  // An unknown unit id gets exception 0B (gateway target failed to respond).
  const other = await connect(sim.port);
  other.setID(7);
  await assert.rejects(other.readHoldingRegisters(0, 1), (e) => modbusCode(e) === 0x0b);

  assert.equal((await client.readHoldingRegisters(0, 24)).data.length, 24);
  await stop(sim);
});

test('a write forces the tag to the written value; the model stops animating it', async () => {
  const sim = await forkSimulator(specFor('normal'));
  const client = await connect(sim.port);
  const level = fillingTag('tank-level');
  assert.equal(level.wordOrder, 'CDAB');
  await client.writeRegisters(level.address, encode(123.5, level));
  await client.writeCoil(0, false);
  const values = await readFilling(client);
  assert.equal(values.get('tank-level'), 123.5, 'forced past its max: the client wins');
  // Neighbours keep moving: once the counter has moved on twice, the model has ticked since the
  // writes, and the forced values must still hold.
  const later = await readFillingUntil(client, 'the model ticking on', (v) => v.get('bottles-filled')! >= values.get('bottles-filled')! + 2);
  assert.equal(later.get('tank-level'), 123.5);
  assert.equal((await client.readCoils(0, 1)).data[0], false);
  await stop(sim);
});

test('jam: line stopped with a fault, counters frozen, speeds settling', async () => {
  const sim = await forkSimulator(specFor('jam'));
  assert.match(sim.output(), /scenario jam/);
  const client = await connect(sim.port);
  assert.deepEqual((await client.readCoils(0, 2)).data.slice(0, 2), [false, true], 'not running, faulted');
  const before = await readFilling(client);
  // The speed settling proves the model ran meanwhile (below 60 % takes ~0.8 s of model time,
  // in which a running counter at 5/s adds ~4): the counters must not have moved.
  const after = await readFillingUntil(
    client,
    `filler-speed below 60 % of ${before.get('filler-speed')}`,
    (v) => v.get('filler-speed')! < before.get('filler-speed')! * 0.6,
  );
  assert.equal(after.get('bottles-filled'), before.get('bottles-filled'));
  assert.equal(after.get('bottles-rejected'), before.get('bottles-rejected'));
  await stop(sim);
});

test('flaky: some requests time out, the others are answered correctly', async () => {
  const sim = await forkSimulator(specFor('flaky'));
  const client = await connect(sim.port, 800);
  let ok = 0;
  let timedOut = 0;
  for (let i = 0; i < 20; i++) {
    try {
      const { data } = await client.readCoils(0, 2);
      assert.deepEqual(data.slice(0, 2), [true, false]);
      ok++;
    } catch (error) {
      assert.match(String((error as Error).message), /timed out/i);
      timedOut++;
    }
  }
  assert.ok(ok >= 3, `answered ${ok}/20`);
  assert.ok(timedOut >= 1, `timed out ${timedOut}/20`);
  await stop(sim);
});

test('exits by itself with code 0 when the IPC channel closes, and on SIGTERM', async () => {
  const a = await forkSimulator(specFor('normal'));
  const t0 = Date.now();
  a.child.disconnect();
  const byDisconnect = await a.exited;
  assert.equal(byDisconnect.code, 0);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.match(a.output(), /stopping \(disconnect\)/);
  // Its server is closed: nothing listens on the port any more.
  await assert.rejects(connect(a.port));

  const b = await forkSimulator(specFor('overheat'));
  const client = await connect(b.port);
  const t1 = Date.now();
  b.child.kill('SIGTERM');
  const bySigterm = await b.exited;
  assert.deepEqual(bySigterm, { code: 0, signal: null });
  assert.ok(Date.now() - t1 < 2000);
  assert.equal(client.isOpen, false);
});

test('a bad spec or a taken port ends the child with code 1 and the reason on stderr', async () => {
  await assert.rejects(
    forkSimulator({ ...specFor('normal'), scenario: 'meltdown', tags: [{ name: 'x', area: 'coil', address: 0, type: 'float32' }] }),
    (e: { exitCode?: number; output?: string }) => {
      assert.equal(e.exitCode, 1);
      assert.match(e.output!, /scenario/);
      return true;
    },
  );
  await assert.rejects(
    forkSimulator({ ...specFor('normal'), tags: [{ name: 'x', area: 'coil', address: 0, type: 'float32' }] }),
    (e: { exitCode?: number; output?: string }) => {
      assert.match(e.output!, /tags\[0\]\.type: must be "bool"/);
      return true;
    },
  );
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const taken = (blocker.address() as { port: number }).port;
  await assert.rejects(forkSimulator(specFor('normal', taken)), (e: { exitCode?: number; output?: string }) => {
    assert.equal(e.exitCode, 1);
    assert.match(e.output!, /EADDRINUSE/);
    return true;
  });
  blocker.close();
});

test('in process: startSimulator serves on port 0, reports forced tags and stats, closes twice harmlessly', async () => {
  const { startSimulator } = await import('../../server/simulator/simulator.ts');
  const sim = await startSimulator(specFor('overheat'), { tickMs: 20 });
  assert.ok(sim.port > 0);
  const client = await connect(sim.port);
  const temp = fillingTag('product-temp');
  await client.writeRegisters(temp.address, encode(4, temp));
  assert.equal((await readFilling(client)).get('product-temp'), 4);
  assert.deepEqual(sim.forcedTags(), ['product-temp']);
  assert.deepEqual(sim.stats(), { requests: 2, answered: 2, dropped: 0, delayed: 0, badFrames: 0 });
  await sim.close();
  await sim.close();
  await assert.rejects(connect(sim.port));
});
