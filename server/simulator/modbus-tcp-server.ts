import { createServer, type Socket } from 'node:net';
import { UnavailableError } from '../../lib/errors.ts';
import { ModbusExceptionCode, exceptionPdu } from './modbus-pdu.ts';

/**
 * A Modbus TCP server on `node:net`: MBAP framing, unit-id filtering and per-request fault
 * injection around a PDU handler.
 *
 * Why not modbus-serial's ServerTCP: it cannot listen on port 0 (`options.port || 502`),
 * answers quantity 0 with exception 02 and quantities over 127 registers with 04 (a
 * RangeError before the vector is called), silently ignores malformed frames, treats unit
 * id 0 as "answer all", and has no hook to hold or drop a reply. Owning the framing
 * (~100 lines) is simpler than patching around all of that.
 */

/** What to do with one request: answer it now, never, or after `ms`. */
export type RequestFault = { kind: 'answer' } | { kind: 'drop' } | { kind: 'delay'; ms: number };

export interface ModbusTcpServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Unit ids answered; a request for another id gets exception 0B (gateway target failed to respond). */
  unitIds: ReadonlySet<number>;
  /** Request PDU → response PDU; must not throw (see handlePdu). */
  handle: (pdu: Buffer) => Buffer;
  /** Consulted once per request; default: answer everything at once. */
  fault?: () => RequestFault;
  /** Server errors after it listens (e.g. EMFILE on accept). Default: written to stderr. */
  onError?: (error: Error) => void;
}

export interface ModbusTcpStats {
  requests: number;
  answered: number;
  dropped: number;
  delayed: number;
  /** Connections closed because their framing was broken. */
  badFrames: number;
}

export interface ModbusTcpServer {
  readonly host: string;
  readonly port: number;
  stats(): ModbusTcpStats;
  /** Stops listening, closes client connections, cancels held replies; a second call is harmless. */
  close(): Promise<void>;
}

const MBAP_HEADER = 7;
/** MBAP length field = unit id + PDU; the PDU is at most 253 bytes. */
const MAX_MBAP_LENGTH = 254;

/** Listens; rejects with UnavailableError (cause: the socket error) when it cannot. */
export function listenModbusTcp(options: ModbusTcpServerOptions): Promise<ModbusTcpServer> {
  const sockets = new Set<Socket>();
  const held = new Set<NodeJS.Timeout>();
  const stats: ModbusTcpStats = { requests: 0, answered: 0, dropped: 0, delayed: 0, badFrames: 0 };
  const fault = options.fault ?? (() => ({ kind: 'answer' }) as const);

  function respond(sock: Socket, frame: Buffer): void {
    const transactionId = frame.readUInt16BE(0);
    const unitId = frame[6]!;
    const pdu = frame.subarray(MBAP_HEADER);
    const response = options.unitIds.has(unitId) ? options.handle(pdu) : exceptionPdu(pdu[0] ?? 0, ModbusExceptionCode.gatewayTargetFailedToRespond);
    const adu = Buffer.alloc(MBAP_HEADER + response.length);
    adu.writeUInt16BE(transactionId, 0);
    adu.writeUInt16BE(0, 2);
    adu.writeUInt16BE(response.length + 1, 4);
    adu[6] = unitId;
    response.copy(adu, MBAP_HEADER);
    if (!sock.destroyed && sock.writable) {
      sock.write(adu);
      stats.answered++;
    }
  }

  function onRequest(sock: Socket, frame: Buffer): void {
    stats.requests++;
    const f = fault();
    if (f.kind === 'drop') {
      stats.dropped++;
    } else if (f.kind === 'delay') {
      stats.delayed++;
      const timer = setTimeout(() => {
        held.delete(timer);
        respond(sock, frame);
      }, f.ms);
      held.add(timer);
    } else {
      respond(sock, frame);
    }
  }

  const server = createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    let pending = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= MBAP_HEADER) {
        const length = pending.readUInt16BE(4);
        if (length < 2 || length > MAX_MBAP_LENGTH) {
          // Framing is lost: nothing after this can be trusted, so drop the connection.
          stats.badFrames++;
          sock.destroy();
          return;
        }
        if (pending.length < 6 + length) break;
        const frame = Buffer.from(pending.subarray(0, 6 + length));
        pending = pending.subarray(6 + length);
        // Protocol id ≠ 0 is not Modbus: the spec says to discard the frame.
        if (frame.readUInt16BE(2) === 0) onRequest(sock, frame);
      }
    });
    // A client resetting its connection is routine for a PLC: forget the socket, keep serving.
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  });

  let closing: Promise<void> | undefined;
  let port = options.port;
  const handle: ModbusTcpServer = {
    host: options.host,
    get port() {
      return port;
    },
    stats: () => ({ ...stats }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of held) clearTimeout(t);
        held.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };

  return new Promise((resolve, reject) => {
    const onListenError = (cause: Error) => reject(new UnavailableError(`cannot listen on ${options.host}:${options.port}: ${cause.message}`, { cause }));
    server.once('error', onListenError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onListenError);
      server.on('error', options.onError ?? ((error) => process.stderr.write(`modbus server error: ${error.message}\n`)));
      const address = server.address();
      if (typeof address === 'object' && address) port = address.port;
      resolve(handle);
    });
  });
}
