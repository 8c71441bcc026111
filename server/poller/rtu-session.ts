import { ModbusReadError } from '../../lib/errors.ts';
import { encodeBit } from '../../lib/modbus/codec.ts';
import type { RtuConnectionConfig, RtuOverTcpConnectionConfig } from '../../lib/plant/schema.ts';
import { closedReason, exceptionReason, type ModbusSession } from './modbus-session.ts';
import { checkWriteReply, ModbusExceptionReply, parseReadReply, ReplyMismatch, readRequestPdu, writeCoilsPdu, writeRegistersPdu } from './modbus-requests.ts';
import { RtuFrameError } from './rtu-bus.ts';
import type { RtuBuses } from './rtu-buses.ts';
import type { RtuTarget } from './rtu-links.ts';
import { bounded } from './timing.ts';

export type RtuConnection = RtuConnectionConfig | RtuOverTcpConnectionConfig;

/** A request waits for its turn on the bus: bounded by the bus's own timeouts, this is only a backstop. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export function rtuTargetOf(c: RtuConnection): RtuTarget {
  if (c.protocol === 'rtu-over-tcp') return { kind: 'tcp', host: c.host, port: c.port };
  return { kind: 'serial', settings: { path: c.path, baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits } };
}

/**
 * True for a failure where the device (or the line) delivered a reply that is not a valid
 * answer: a CRC error, a wrong byte count or echo. On RTU the next frame is framed afresh, so
 * only the tags of that request are bad; the connection goes on.
 */
export function isBadFrame(error: ModbusReadError): boolean {
  return error.cause instanceof RtuFrameError || error.cause instanceof ReplyMismatch;
}

/**
 * A ModbusSession for one device on an RTU bus: a share of the bus (opened by the first
 * device on it), requests to this unit id with this connection's timeout. `destroy()` gives
 * the share back; the port stays open while a neighbour uses it.
 */
export async function openRtuSession(buses: RtuBuses, connection: RtuConnection, ...signals: AbortSignal[]): Promise<ModbusSession> {
  const lease = await buses.acquire(rtuTargetOf(connection), connection.timeoutMs, ...signals);
  const { unitId, timeoutMs } = connection;

  async function transact(pdu: Buffer, callSignals: AbortSignal[]): Promise<Buffer> {
    if (lease.closed.aborted) throw new ModbusReadError(closedReason(lease.closed));
    const leave = callSignals.length > 0 ? AbortSignal.any(callSignals) : undefined;
    const outcome = await bounded(lease.bus.request(unitId, pdu, timeoutMs, leave), MAX_WAIT_MS, lease.closed, ...callSignals);
    if (outcome.ok) return outcome.value;
    if ('error' in outcome) throw outcome.error instanceof ModbusReadError ? outcome.error : new ModbusReadError('unknown error', { cause: outcome.error });
    if ('interrupted' in outcome && outcome.interrupted === lease.closed) throw new ModbusReadError(closedReason(lease.closed), { cause: lease.closed.reason });
    throw new ModbusReadError('aborted');
  }

  /** The reply's checks as the poller's failures: an exception reply, or a mismatch (a bad frame). */
  function checked<T>(check: () => T): T {
    try {
      return check();
    } catch (error) {
      if (error instanceof ModbusExceptionReply) throw new ModbusReadError(exceptionReason(error.modbusCode), { cause: error });
      if (error instanceof ReplyMismatch) throw new ModbusReadError(error.message, { cause: error });
      throw error;
    }
  }

  return {
    closed: lease.closed,
    destroy: () => lease.release(),
    async read(block, ...readSignals) {
      const request = readRequestPdu(block.area, block.start, block.quantity);
      const reply = await transact(request, readSignals);
      return checked(() => parseReadReply(request, reply));
    },
    async write(request, ...writeSignals) {
      if ('bit' in request) {
        // As over TCP: read, modify, write back (no FC 22 assumed).
        const readPdu = readRequestPdu('holding', request.address, 1);
        const readReply = await transact(readPdu, writeSignals);
        const [word] = checked(() => parseReadReply(readPdu, readReply));
        const pdu = writeRegistersPdu(request.address, [encodeBit(word!, request.bit, request.on)]);
        const reply = await transact(pdu, writeSignals);
        checked(() => checkWriteReply(pdu, reply));
        return;
      }
      const pdu = request.area === 'coil' ? writeCoilsPdu(request.address, request.values) : writeRegistersPdu(request.address, request.values);
      const reply = await transact(pdu, writeSignals);
      checked(() => checkWriteReply(pdu, reply));
    },
  };
}
