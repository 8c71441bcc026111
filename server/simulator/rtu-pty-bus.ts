import { mkdir } from 'node:fs/promises';
import { openPtyPair } from './pty-pair.ts';
import type { RtuBusSpec } from './rtu-bus-spec.ts';
import { type RtuSimulator, type RtuSimulatorOptions, startRtuSimulator } from './rtu-simulator.ts';

/** A simulated RTU bus on a pseudo-terminal pair: what a simulator process runs for a simulated serial `path`. */
export interface PtyRtuBus {
  /** The end the poller opens. */
  readonly poller: string;
  readonly simulator: RtuSimulator;
  /** Stops the devices, then socat (its links go with it). A second call is harmless. */
  close(): Promise<void>;
}

/**
 * Opens the pty pair of `spec` (socat, links in `spec.dir`) and serves every device of the bus
 * on its device end. Rejects with UnavailableError when socat or the port fails; nothing is
 * left running then.
 */
export async function startPtyRtuBus(spec: RtuBusSpec, options: RtuSimulatorOptions = {}): Promise<PtyRtuBus> {
  await mkdir(spec.dir, { recursive: true });
  const pty = await openPtyPair(spec.dir, spec.name);
  let simulator: RtuSimulator;
  try {
    simulator = await startRtuSimulator(
      { path: pty.device, ...spec.settings },
      spec.devices.map((d) => ({ ...d, scenario: spec.scenario })),
      options,
    );
  } catch (error) {
    await pty.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    poller: pty.poller,
    simulator,
    close: () =>
      (closing ??= (async () => {
        await simulator.close();
        await pty.close();
      })()),
  };
}
