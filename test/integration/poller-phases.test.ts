import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ServerTCP } from 'modbus-serial';
import { plantSchema, type Plant } from '../../lib/plant/schema.ts';
import { createPoller, type Poller } from '../../server/poller/poller.ts';
import { scanPhases } from '../../server/poller/timing.ts';
import { freePort } from '../helpers/free-port.ts';

/**
 * Scan phases across pollers that each hold part of the plant, as a collector's line units do:
 * with the plant-wide phases their PLCs are read spread through the period; each on its own
 * (one connection: phase 0) they would all be read at once, every period.
 */

const SCAN_MS = 200;
const LINES = 4;
let plcs: ServerTCP[] = [];
let plant: Plant;

before(async () => {
  const ports = await Promise.all(Array.from({ length: LINES }, () => freePort()));
  plcs = await Promise.all(
    ports.map(
      (port) =>
        new Promise<ServerTCP>((resolve, reject) => {
          const server = new ServerTCP({ getHoldingRegister: () => 1 }, { host: '127.0.0.1', port, unitID: 1 });
          server.on('socketError', () => {});
          server.once('serverError', reject);
          server.once('initialized', () => resolve(server));
        }),
    ),
  );
  plant = plantSchema.parse({
    name: 'phases',
    lines: ports.map((port, i) => ({
      id: `line${i}`,
      name: `Line ${i}`,
      connections: [
        { id: `plc${i}`, protocol: 'tcp', host: '127.0.0.1', port, scanMs: SCAN_MS, tags: [{ name: 'x', area: 'holding', address: 0, type: 'uint16' }] },
      ],
    })),
  });
});

after(async () => {
  await Promise.all(plcs.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** One poller per line (as line units run them); the median place in the period of each line's replies, in ms. */
async function replyOffsets(phaseOf: ((connection: string) => number | undefined) | undefined): Promise<number[]> {
  const readAt = new Map<string, number[]>();
  const pollers: Poller[] = plant.lines.map((line) =>
    createPoller({
      plant: { ...plant, lines: [line] },
      phaseOf,
      onSamples: (batch) => readAt.set(batch.line, [...(readAt.get(batch.line) ?? []), batch.readAt]),
    }),
  );
  await Promise.all(pollers.map((p) => p.start()));
  await new Promise((r) => setTimeout(r, 12 * SCAN_MS));
  await Promise.all(pollers.map((p) => p.stop()));
  return plant.lines.map((line) => {
    // The first reads come at connect time, not on the grid: the last eight are on it.
    const offsets = (readAt.get(line.id) ?? []).slice(-8).map((t) => t % SCAN_MS);
    assert.ok(offsets.length === 8, `${line.id}: ${offsets.length} reads`);
    return offsets.sort((a, b) => a - b)[4]!;
  });
}

/** The distance of two offsets on the circle of one period. */
const apart = (a: number, b: number) => Math.min(Math.abs(a - b), SCAN_MS - Math.abs(a - b));

test('line pollers given the plant-wide phases read their PLCs a quarter period apart', async () => {
  const phases = scanPhases(plant);
  assert.deepEqual([...phases.values()], [0, 0.25, 0.5, 0.75]);
  const offsets = await replyOffsets((connection) => phases.get(connection));
  for (let i = 1; i < LINES; i++) {
    const gap = apart(offsets[i]!, offsets[i - 1]!);
    assert.ok(Math.abs(gap - SCAN_MS / LINES) < 15, `line${i - 1} → line${i}: ${gap.toFixed(1)} ms apart (offsets ${offsets.map((o) => o.toFixed(1))})`);
  }
});

test('without them, each poller of one line reads at phase 0: all PLCs at once', async () => {
  const offsets = await replyOffsets(undefined);
  for (let i = 1; i < LINES; i++) assert.ok(apart(offsets[i]!, offsets[0]!) < 15, `offsets ${offsets.map((o) => o.toFixed(1))}`);
});
