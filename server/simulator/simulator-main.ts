import { exitWithParent, reportReady } from '../supervisor/child-lifecycle.ts';
import { parseSimulatorSpec } from './simulator-spec.ts';
import { startSimulator, type Simulator } from './simulator.ts';

/**
 * Child-process entry of one simulated PLC. Forked by the supervisor with an IPC channel:
 * waits for `{ type: 'start', spec }`, listens, answers `{ type: 'ready', port }`, and exits
 * with code 0 (server closed) on SIGTERM, SIGINT or when the parent's IPC channel closes, so
 * a killed server leaves no orphan. A spec that is invalid or a port that cannot be bound
 * ends it with code 1 and the reason on stderr (the supervisor keeps the tail).
 */

if (!process.send) {
  process.stderr.write('simulator-main.ts must be forked with an IPC channel\n');
  process.exit(2);
}

let simulator: Simulator | undefined;
let starting: Promise<void> | undefined;

exitWithParent(async (reason) => {
  await starting;
  if (!simulator) return;
  process.stdout.write(`simulator ${simulator.lineId}: stopping (${reason})\n`);
  await simulator.close();
});

process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'start') return;
  if (starting !== undefined) {
    process.stderr.write('simulator: second start message ignored\n');
    return;
  }
  starting = start((message as { spec?: unknown }).spec);
});

async function start(input: unknown): Promise<void> {
  try {
    const spec = parseSimulatorSpec(input);
    simulator = await startSimulator(spec);
    // Plain lines: the supervisor keeps them as this process's output tail (the processes page).
    process.stdout.write(
      `simulator ${spec.lineId}: Modbus TCP on ${simulator.host}:${simulator.port}, unit ${spec.unitId}, scenario ${spec.scenario}, ${spec.tags.length} tags\n`,
    );
    reportReady({ port: simulator.port });
  } catch (error) {
    process.stderr.write(`simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
