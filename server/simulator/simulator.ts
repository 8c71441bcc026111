import { performance } from 'node:perf_hooks';
import type { Scenario } from '../../lib/plant/schema.ts';
import { handlePdu } from './modbus-pdu.ts';
import { listenModbusTcp, type ModbusTcpStats } from './modbus-tcp-server.ts';
import { createRegisterImage, MEMORY_SIZE } from './register-image.ts';
import { flakyFault } from './request-faults.ts';
import { createLineModel } from './signal-models.ts';
import type { SimulatorSpec } from './simulator-spec.ts';

export interface SimulatorOptions {
  /** Model update period, ms. Default 100. */
  tickMs?: number;
  /** Registers/bits per area. Default MEMORY_SIZE (10 000). */
  memorySize?: number;
  /** Uniform random source for the signals and the `flaky` faults. Default `Math.random`. */
  random?: () => number;
}

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
 * `tickMs`. Resolves once it listens; rejects with UnavailableError when it cannot (e.g. the
 * requested port is taken).
 */
export async function startSimulator(spec: SimulatorSpec, options: SimulatorOptions = {}): Promise<Simulator> {
  const random = options.random ?? Math.random;
  const image = createRegisterImage(spec.tags, options.memorySize ?? MEMORY_SIZE);
  const model = createLineModel(spec.tags, spec.scenario, random);
  const byName = new Map(spec.tags.map((t) => [t.name, t]));

  const apply = (dtS: number) => {
    for (const [name, value] of model.step(dtS)) image.setTag(byName.get(name)!, value);
  };
  apply(0);
  // Real elapsed time, so a late tick (busy loop, GC) does not slow the simulated plant down.
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    apply((now - last) / 1000);
    last = now;
  }, options.tickMs ?? 100);
  timer.unref();

  const tcp = await listenModbusTcp({
    host: spec.host,
    port: spec.port,
    unitIds: new Set([spec.unitId, 0, 255]),
    handle: (pdu) => handlePdu(pdu, image),
    fault: spec.scenario === 'flaky' ? () => flakyFault(random) : undefined,
  }).catch((error: unknown) => {
    clearInterval(timer);
    throw error;
  });

  return {
    lineId: spec.lineId,
    host: spec.host,
    port: tcp.port,
    scenario: spec.scenario,
    forcedTags: () => image.forced(),
    stats: () => tcp.stats(),
    close() {
      clearInterval(timer);
      return tcp.close();
    },
  };
}
