import type { Scenario } from '../../lib/plant/schema.ts';
import { handlePdu } from './modbus-pdu.ts';
import { listenModbusTcp, type ModbusTcpStats } from './modbus-tcp-server.ts';
import { flakyFault } from './request-faults.ts';
import { createSimulatedDevice, type SimulatedDeviceOptions } from './simulated-device.ts';
import type { SimulatorSpec } from './simulator-spec.ts';

/** Model timing and memory size (see SimulatedDeviceOptions); `random` also drives the `flaky` faults. */
export type SimulatorOptions = SimulatedDeviceOptions;

export interface Simulator {
  readonly lineId: string;
  readonly host: string;
  /** The port it listens on (the free one picked when the spec said 0). */
  readonly port: number;
  readonly scenario: Scenario;
  /** Tags a client forced by writing to them. */
  forcedTags(): string[];
  stats(): ModbusTcpStats;
  /** Stops the model and the server; resolves when the server is closed. A second call is harmless. */
  close(): Promise<void>;
}

/**
 * A simulated PLC: a real Modbus TCP server whose register image a line model updates every
 * `tickMs`, and at once after each client write, so the model sees every written setpoint
 * and command (a pulse shorter than a tick too). Resolves once it listens; rejects with
 * UnavailableError when it cannot (e.g. the requested port is taken).
 */
export async function startSimulator(spec: SimulatorSpec, options: SimulatorOptions = {}): Promise<Simulator> {
  const random = options.random ?? Math.random;
  const device = createSimulatedDevice(spec.tags, spec.scenario, { ...options, random });
  const tcp = await listenModbusTcp({
    host: spec.host,
    port: spec.port,
    unitIds: new Set([spec.unitId, 0, 255]),
    handle: (pdu) => handlePdu(pdu, device.memory),
    fault: spec.scenario === 'flaky' ? () => flakyFault(random) : undefined,
  }).catch((error: unknown) => {
    device.stop();
    throw error;
  });

  return {
    lineId: spec.lineId,
    host: spec.host,
    port: tcp.port,
    scenario: spec.scenario,
    forcedTags: device.forcedTags,
    stats: () => tcp.stats(),
    close() {
      device.stop();
      return tcp.close();
    },
  };
}
