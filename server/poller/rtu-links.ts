import { connect, type Socket } from 'node:net';
import type { SerialPort } from 'serialport';
import { ModbusReadError } from '../../lib/errors.ts';
import type { SerialSettings } from '../../lib/plant/schema.ts';
import { reasonOf } from './modbus-session.ts';
import { bounded } from './timing.ts';

/**
 * The byte pipe under an RTU bus: a serial port, or a TCP socket to a serial gateway. Opening
 * is bounded by a timeout and fails with a ModbusReadError whose `reason` goes into the tags'
 * quality (`no such port`, `port busy`, `refused`, ...).
 */
export interface ByteLink {
  write(bytes: Uint8Array): void;
  /** Releases the port or socket; resolves once it is released. A second call is harmless. */
  close(): Promise<void>;
}

export interface LinkEvents {
  onData(chunk: Buffer): void;
  /** The port or socket closed or failed (`reset`, `port error`, `closed`); not called after `close()`. */
  onClose(reason: string, cause?: Error): void;
}

/** Where an RTU bus is: a serial port, or a gateway's TCP port. One bus per target. */
export type RtuTarget = { kind: 'serial'; settings: SerialSettings } | { kind: 'tcp'; host: string; port: number };

export function targetKey(t: RtuTarget): string {
  return t.kind === 'serial' ? `serial:${t.settings.path}` : `tcp:${t.host}:${t.port}`;
}

export function describeTarget(t: RtuTarget): string {
  return t.kind === 'serial' ? t.settings.path : `${t.host}:${t.port}`;
}

/** Short reason of a serial port error (the bindings only give messages). */
export function serialReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/cannot lock port|resource temporarily unavailable/i.test(message)) return 'port busy';
  if (/no such file|ENOENT/i.test(message)) return 'no such port';
  if (/permission denied|EACCES/i.test(message)) return 'permission denied';
  return 'port error';
}

export function openLink(target: RtuTarget, events: LinkEvents, timeoutMs: number, ...signals: AbortSignal[]): Promise<ByteLink> {
  return target.kind === 'serial' ? openSerial(target.settings, events, timeoutMs, signals) : openTcp(target.host, target.port, events, timeoutMs, signals);
}

async function openSerial(s: SerialSettings, events: LinkEvents, timeoutMs: number, signals: AbortSignal[]): Promise<ByteLink> {
  let SerialPortClass: typeof SerialPort;
  try {
    // Loaded on first use: modbus-serial brings serialport as an optional dependency, and a
    // plant without serial connections must start without it.
    ({ SerialPort: SerialPortClass } = await import('serialport'));
  } catch (cause) {
    throw new ModbusReadError('serialport package missing', { cause });
  }
  // `lock` takes the port exclusively: a second program (or test read) on the bus would corrupt frames.
  const port = new SerialPortClass({
    path: s.path,
    baudRate: s.baudRate,
    parity: s.parity,
    dataBits: s.dataBits,
    stopBits: s.stopBits,
    autoOpen: false,
    lock: true,
  });
  let closedByUs = false;
  port.on('error', (error) => {
    if (!closedByUs) events.onClose(serialReason(error), error);
  });
  port.on('close', (error?: Error | null) => {
    if (!closedByUs) events.onClose(error ? serialReason(error) : 'closed', error ?? undefined);
  });
  port.on('data', (chunk: Buffer) => events.onData(chunk));
  const opening = new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const opened = await bounded(opening, timeoutMs, ...signals);
  const close = () => {
    if (closedByUs) return Promise.resolve();
    closedByUs = true;
    return new Promise<void>((resolve) => {
      if (!port.isOpen) {
        // Still opening (a timeout above): close it once it is open.
        opening.then(() => port.close(() => resolve()), resolve);
        return;
      }
      port.close(() => resolve());
    });
  };
  if (!opened.ok) {
    void close();
    if ('error' in opened) throw new ModbusReadError(serialReason(opened.error), { cause: opened.error });
    throw new ModbusReadError('timedOut' in opened ? 'timeout' : 'aborted');
  }
  // Bytes that arrived before we owned the bus belong to no request of ours.
  port.flush(() => {});
  return { write: (bytes) => void port.write(Buffer.from(bytes)), close };
}

async function openTcp(host: string, port: number, events: LinkEvents, timeoutMs: number, signals: AbortSignal[]): Promise<ByteLink> {
  const socket: Socket = connect({ host, port, noDelay: true });
  let closedByUs = false;
  let failure: Error | undefined;
  socket.on('error', (error) => {
    failure = error;
  });
  socket.on('close', () => {
    if (!closedByUs) events.onClose(failure ? reasonOf(failure) : 'closed', failure);
  });
  socket.on('data', (chunk: Buffer) => events.onData(chunk));
  const connecting = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connected = await bounded(connecting, timeoutMs, ...signals);
  const close = () => {
    if (closedByUs) return Promise.resolve();
    closedByUs = true;
    if (socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  };
  if (!connected.ok) {
    void close();
    if ('error' in connected) throw new ModbusReadError(reasonOf(connected.error), { cause: connected.error });
    throw new ModbusReadError('timedOut' in connected ? 'timeout' : 'aborted');
  }
  return { write: (bytes) => void socket.write(bytes), close };
}
