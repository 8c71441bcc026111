import type { Socket } from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { ReadBlock } from '../../lib/modbus/read-plan.ts';
import { ModbusReadError } from '../../lib/errors.ts';
import type { Endpoint, WriteRequest } from './messages.ts';
import { encodeBit } from '../../lib/modbus/codec.ts';
import { createMbapGuard } from './mbap-guard.ts';
import { bounded } from './timing.ts';

/**
 * One Modbus TCP connection (modbus-serial client) with the guarantees the library lacks:
 * every connect and read is bounded by `timeoutMs`, interrupted by an AbortSignal, and fails
 * at once when the socket closes. Failures are `ModbusReadError`s whose `reason` goes into
 * the tags' quality.
 */
export interface ModbusSession {
  /** Aborted when the socket closed (by the peer, an error, or `destroy()`). */
  readonly closed: AbortSignal;
  /** Registers as numbers, coils/discrete inputs as 0/1; exactly `block.quantity` of them. */
  read(block: Pick<ReadBlock, 'area' | 'start' | 'quantity'>, ...signals: AbortSignal[]): Promise<number[]>;
  /** Writes, bounded by the same timeout; a failure is a ModbusReadError (its `reason`: `timeout`, `exception 02 …`). */
  write(request: WriteRequest, ...signals: AbortSignal[]): Promise<void>;
  /** Drops the socket now; never waits on the library. A second call is harmless. */
  destroy(): void;
}

const exceptionNames: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target failed to respond',
};

/** `exception 02 (illegal data address)`. */
export function exceptionReason(code: number): string {
  return `exception ${code.toString(16).toUpperCase().padStart(2, '0')} (${exceptionNames[code] ?? 'unknown'})`;
}

/** Short, stable reason for a failed connect or read (it becomes a sample's `reason`). */
export function reasonOf(error: unknown): string {
  const e = (error ?? {}) as { modbusCode?: unknown; code?: unknown; errno?: unknown; message?: unknown };
  if (typeof e.modbusCode === 'number') return exceptionReason(e.modbusCode);
  const message = typeof e.message === 'string' ? e.message : '';
  // modbus-serial tags "port not open" with errno ECONNREFUSED: check the message first.
  if (message === 'Port Not Open') return 'closed';
  if (message === 'Timed out' || message === 'TCP Connection Timed Out') return 'timeout';
  if (message === 'CRC error' || message.startsWith('Data length error') || message.startsWith('Unexpected data')) return 'bad reply';
  switch (e.code ?? e.errno) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
      return 'reset';
    case 'EPIPE':
    case 'ERR_SOCKET_CLOSED':
    case 'ERR_STREAM_DESTROYED':
      return 'closed';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
  }
  if (typeof e.code === 'string') return e.code.toLowerCase();
  return message || 'unknown error';
}

/** True for a Modbus exception reply: the device answered, the connection is fine. */
export function isExceptionReply(error: ModbusReadError): boolean {
  return typeof (error.cause as { modbusCode?: unknown } | undefined)?.modbusCode === 'number';
}

/** Why a session's socket closed: `reset` (or another socket error's reason), else `closed`. */
export function closedReason(closed: AbortSignal): string {
  if (closed.reason instanceof ModbusReadError) return closed.reason.reason;
  return closed.reason instanceof Error && 'code' in closed.reason ? reasonOf(closed.reason) : 'closed';
}

function failure(outcome: { error: unknown } | { timedOut: true } | { interrupted: AbortSignal }, closed: AbortSignal): ModbusReadError {
  if ('error' in outcome) return new ModbusReadError(reasonOf(outcome.error), { cause: outcome.error });
  if ('timedOut' in outcome) return new ModbusReadError('timeout');
  if (outcome.interrupted === closed) return new ModbusReadError(closedReason(closed), { cause: closed.reason });
  return new ModbusReadError('aborted', { cause: outcome.interrupted.reason });
}

/**
 * Connects within `timeoutMs`; rejects with ModbusReadError (`refused`, `timeout`,
 * `aborted` when one of `signals` aborts, ...). The socket is destroyed on every failure path.
 */
export async function openModbusSession(endpoint: Endpoint, unitId: number, timeoutMs: number, ...signals: AbortSignal[]): Promise<ModbusSession> {
  const client = new ModbusRTU();
  const closing = new AbortController();
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    try {
      // ModbusRTU.destroy() calls back synchronously and leaves requests pending: we never wait on it.
      client.destroy(() => {});
    } catch {
      // Destroying a socket that never opened can throw inside the library; the socket is gone either way.
    }
    closing.abort(new Error('destroyed'));
  };
  // The library's own request timer (the first line of defence; `bounded` is the second),
  // and the socket's idle timer for connects that hang.
  client.setTimeout(timeoutMs);
  client.setID(unitId);
  // Error events arrive as failed requests too; without a listener one would crash the worker.
  client.on('error', () => {});
  client.on('close', () => closing.abort(new Error('socket closed')));

  const connected = await bounded(client.connectTCP(endpoint.host, { port: endpoint.port }), timeoutMs, ...signals);
  if (!connected.ok) {
    destroy();
    throw failure(connected, closing.signal);
  }
  // The library's TCP port clears its open flag on a socket error and then never reports the
  // close: a reset would only show at the request timeout. Its socket tells at once.
  const socket = (client as unknown as { _port?: { _client?: Socket } })._port?._client;
  socket?.once('error', (error) => closing.abort(error));
  socket?.once('close', () => closing.abort(new Error('socket closed')));
  // A malformed reply (garbage, protocol id, length, unit id) ends the session now, with why.
  const guard = createMbapGuard(unitId);
  socket?.on('data', (chunk: Buffer) => {
    const problem = guard.push(chunk);
    if (problem === undefined || closing.signal.aborted) return;
    closing.abort(new ModbusReadError(problem));
    destroy();
  });

  return {
    closed: closing.signal,
    destroy,
    async write(request, ...writeSignals) {
      if (closing.signal.aborted || !client.isOpen) throw new ModbusReadError('closed');
      const run = async <T>(request: Promise<T>): Promise<T> => {
        // An exception reply, a timeout or a closed socket: the same failures as a read.
        const outcome = await bounded<T>(request, timeoutMs, closing.signal, ...writeSignals);
        if (!outcome.ok) throw failure(outcome, closing.signal);
        return outcome.value;
      };
      if ('bit' in request) {
        // No mask write (FC 22) assumed: many PLCs lack it. The PLC may change another bit of the
        // word between the read and the write; registers meant for commands keep one bit each.
        const { data } = await run(client.readHoldingRegisters(request.address, 1));
        await run(client.writeRegister(request.address, encodeBit(Number(data[0]), request.bit, request.on)));
      } else if (request.area === 'coil') {
        await run<unknown>(
          request.values.length === 1
            ? client.writeCoil(request.address, request.values[0] !== 0)
            : client.writeCoils(
                request.address,
                request.values.map((v) => v !== 0),
              ),
        );
      } else {
        await run<unknown>(
          request.values.length === 1 ? client.writeRegister(request.address, request.values[0]!) : client.writeRegisters(request.address, request.values),
        );
      }
    },
    async read(block, ...readSignals) {
      if (closing.signal.aborted || !client.isOpen) throw new ModbusReadError('closed');
      const request =
        block.area === 'holding'
          ? client.readHoldingRegisters(block.start, block.quantity)
          : block.area === 'input'
            ? client.readInputRegisters(block.start, block.quantity)
            : block.area === 'coil'
              ? client.readCoils(block.start, block.quantity)
              : client.readDiscreteInputs(block.start, block.quantity);
      const outcome = await bounded<{ data: (number | boolean)[] }>(request, timeoutMs, closing.signal, ...readSignals);
      if (!outcome.ok) throw failure(outcome, closing.signal);
      const data = outcome.value.data;
      if (data.length < block.quantity) {
        throw new ModbusReadError('bad reply', { cause: new RangeError(`asked for ${block.quantity}, got ${data.length}`) });
      }
      // Coil replies are padded to whole bytes; register replies are exact.
      const out = new Array<number>(block.quantity);
      for (let i = 0; i < block.quantity; i++) out[i] = Number(data[i]);
      return out;
    },
  };
}
