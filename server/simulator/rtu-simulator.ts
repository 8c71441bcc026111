import { createServer, type Socket } from 'node:net';
import type { SerialPort } from 'serialport';
import { UnavailableError } from '../../lib/errors.ts';
import { interFrameSilenceMs } from '../../lib/modbus/rtu-frame.ts';
import type { Scenario, SerialSettings, TagConfig } from '../../lib/plant/schema.ts';
import { handlePdu } from './modbus-pdu.ts';
import { type ModbusRtuServer, type ModbusRtuStats, type RtuReplyFault, serveModbusRtu } from './modbus-rtu-server.ts';
import { createSimulatedDevice, type SimulatedDevice, type SimulatedDeviceOptions } from './simulated-device.ts';

/** One simulated device on an RTU bus. */
export interface RtuDeviceSpec {
  unitId: number;
  scenario: Scenario;
  /** Its tags, defaults applied (as in a parsed plant). */
  tags: TagConfig[];
}

export interface RtuSimulatorOptions extends SimulatedDeviceOptions {
  /** Per-reply fault injection (tests); default: answer at once. */
  fault?: (unitId: number, pdu: Buffer) => RtuReplyFault;
}

/** Simulated devices sharing one RTU bus. */
export interface RtuSimulator {
  /** The simulated devices by unit id (their memory, to set or check values). */
  readonly devices: ReadonlyMap<number, SimulatedDevice>;
  stats(): ModbusRtuStats;
  /** Stops the models and serving, releases the port or socket. A second call is harmless. */
  close(): Promise<void>;
}

function devicesOf(specs: readonly RtuDeviceSpec[], options: SimulatedDeviceOptions) {
  const devices = new Map(specs.map((d) => [d.unitId, createSimulatedDevice(d.tags, d.scenario, options)]));
  const handlers = new Map([...devices].map(([unit, d]) => [unit, (pdu: Buffer) => handlePdu(pdu, d.memory)]));
  const stop = () => {
    for (const d of devices.values()) d.stop();
  };
  return { devices, handlers, stop };
}

/**
 * Several simulated PLCs (unit ids) on the serial port at `settings.path` — the device end of
 * a pseudo-terminal pair (pty-pair.ts) for the demo and the tests, or a real RS-485 adapter.
 * Rejects with UnavailableError when the port cannot be opened.
 */
export async function startRtuSimulator(settings: SerialSettings, specs: readonly RtuDeviceSpec[], options: RtuSimulatorOptions = {}): Promise<RtuSimulator> {
  const { SerialPort: SerialPortClass } = await import('serialport');
  const port: SerialPort = new SerialPortClass({ ...settings, autoOpen: false, lock: true });
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) =>
    port.open((error) => (error ? reject(new UnavailableError(`cannot open ${settings.path}: ${error.message}`, { cause: error })) : resolve())),
  );
  const { devices, handlers, stop } = devicesOf(specs, options);
  const server = serveModbusRtu(port, { devices: handlers, silenceMs: interFrameSilenceMs(settings), fault: options.fault });
  let closing: Promise<void> | undefined;
  return {
    devices,
    stats: () => server.stats(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        stop();
        server.close();
        if (port.isOpen) port.close(() => resolve());
        else resolve();
      });
      return closing;
    },
  };
}

export interface RtuGatewaySimulator extends RtuSimulator {
  readonly port: number;
}

/**
 * Simulated devices behind a serial gateway in transparent mode: RTU frames over TCP on
 * `host:port` (0 = a free port). Each client connection is served on its own; a frame ends
 * after `silenceMs` without bytes (default 20: TCP has no character timing).
 */
export async function startRtuGatewaySimulator(
  host: string,
  port: number,
  specs: readonly RtuDeviceSpec[],
  options: RtuSimulatorOptions & { silenceMs?: number } = {},
): Promise<RtuGatewaySimulator> {
  const { devices, handlers, stop } = devicesOf(specs, options);
  const served = new Map<Socket, ModbusRtuServer>();
  const total: ModbusRtuStats = { requests: 0, answered: 0, otherUnits: 0, badFrames: 0 };
  const tcp = createServer((socket) => {
    socket.setNoDelay(true);
    served.set(socket, serveModbusRtu(socket, { devices: handlers, silenceMs: options.silenceMs ?? 20, fault: options.fault }));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const s = served.get(socket)!;
      for (const [k, v] of Object.entries(s.stats())) total[k as keyof ModbusRtuStats] += v;
      s.close();
      served.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', (cause) => reject(new UnavailableError(`cannot listen on ${host}:${port}: ${cause.message}`, { cause })));
    tcp.listen({ host, port }, resolve);
  });
  const address = tcp.address();
  let closing: Promise<void> | undefined;
  return {
    devices,
    port: typeof address === 'object' && address ? address.port : port,
    stats() {
      const sum = { ...total };
      for (const s of served.values()) for (const [k, v] of Object.entries(s.stats())) sum[k as keyof ModbusRtuStats] += v;
      return sum;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        stop();
        tcp.close(() => resolve());
        for (const socket of served.keys()) socket.destroy();
      });
      return closing;
    },
  };
}
