import { exitWithParent, reportReady } from '../supervisor/child-lifecycle.ts';
import { parseRtuBusSpec } from './rtu-bus-spec.ts';
import { startPtyRtuBus } from './rtu-pty-bus.ts';
import { parseSimulatorSpec } from './simulator-spec.ts';
import { startSimulator } from './simulator.ts';

/**
 * Child-process entry of one simulated PLC, or of one simulated RTU bus. Forked by the
 * supervisor with an IPC channel: waits for `{ type: 'start', spec }` and answers
 * `{ type: 'ready', port }` once its Modbus TCP server listens, or — for a spec of
 * `kind: 'rtu'` (rtu-bus-spec.ts) — `{ type: 'ready', path }` once socat made the pty pair and
 * the bus's devices serve on it. Exits with code 0 (server closed, socat stopped) on SIGTERM,
 * SIGINT or when the parent's IPC channel closes, so a killed server leaves no orphan (socat
 * also gets a parent-death signal: pty-pair.ts). A spec that is invalid or a port or pty that
 * cannot be opened ends it with code 1 and the reason on stderr (the supervisor keeps the tail).
 */

if (!process.send) {
  process.stderr.write('simulator-main.ts must be forked with an IPC channel\n');
  process.exit(2);
}

let running: { what: string; close(): Promise<void> } | undefined;
let starting: Promise<void> | undefined;

exitWithParent(async (reason) => {
  await starting;
  if (!running) return;
  process.stdout.write(`simulator ${running.what}: stopping (${reason})\n`);
  await running.close();
});

process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'start') return;
  if (starting !== undefined) {
    process.stderr.write('simulator: second start message ignored\n');
    return;
  }
  const spec = (message as { spec?: unknown }).spec;
  starting = (isRtu(spec) ? startRtuBus(spec) : startTcp(spec)).catch((error: unknown) => {
    process.stderr.write(`simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
});

function isRtu(spec: unknown): boolean {
  return typeof spec === 'object' && spec !== null && (spec as { kind?: unknown }).kind === 'rtu';
}

async function startTcp(input: unknown): Promise<void> {
  const spec = parseSimulatorSpec(input);
  const simulator = await startSimulator(spec);
  running = { what: spec.lineId, close: () => simulator.close() };
  // Plain lines: the supervisor keeps them as this process's output tail (the processes page).
  process.stdout.write(
    `simulator ${spec.lineId}: Modbus TCP on ${simulator.host}:${simulator.port}, unit ${spec.unitId}, scenario ${spec.scenario}, ${spec.tags.length} tags\n`,
  );
  reportReady({ port: simulator.port });
}

async function startRtuBus(input: unknown): Promise<void> {
  const spec = parseRtuBusSpec(input);
  const bus = await startPtyRtuBus(spec);
  running = { what: `${spec.lineId} ${spec.busPath}`, close: () => bus.close() };
  const { baudRate, parity, dataBits, stopBits } = spec.settings;
  const units = spec.devices.map((d) => d.unitId).join(', ');
  const tags = spec.devices.reduce((n, d) => n + d.tags.length, 0);
  process.stdout.write(
    `simulator ${spec.lineId}: Modbus RTU bus ${spec.busPath} on ${bus.poller}, ${baudRate} ${dataBits}${parity[0]!.toUpperCase()}${stopBits}, units ${units}, scenario ${spec.scenario}, ${tags} tags\n`,
  );
  reportReady({ path: bus.poller });
}
