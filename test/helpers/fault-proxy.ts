import { createServer, type AddressInfo, connect, type Server, type Socket } from 'node:net';

/**
 * How the proxy spoils the link between a Modbus TCP client and a healthy PLC. Reply faults
 * change each reply (one per chunk on loopback); link faults act on the connection.
 */
export type ReplyFault =
  | 'none'
  | 'protocol-id'
  | 'garbage'
  | 'longer'
  | 'shorter'
  | 'unit-id'
  | 'wrong-tid'
  | 'exception'
  | 'double'
  | 'truncated'
  | 'delay'
  | 'reset'
  | 'reset-mid-reply'
  | 'blackhole'
  | 'kill';

/**
 * A Modbus TCP proxy that spoils what a healthy PLC sends on demand, for the poller's fault
 * tests and the fault suite: the PLC stays healthy, the client sees the fault.
 */
export interface FaultProxy {
  readonly port: number;
  set(fault: ReplyFault): void;
  close(): Promise<void>;
}

/** The reply as the fault makes it (`delay`, `truncated` and the link faults are the proxy's). */
export function spoil(reply: Buffer, fault: ReplyFault): Buffer {
  const out = Buffer.from(reply);
  switch (fault) {
    case 'protocol-id':
      out.writeUInt16BE(7, 2);
      return out;
    case 'garbage':
      return Buffer.from('\x13\x37garbage, not a Modbus frame');
    case 'longer':
      out.writeUInt16BE(out.readUInt16BE(4) + 4, 4);
      return out;
    case 'shorter':
      out.writeUInt16BE(out.readUInt16BE(4) - 1, 4);
      return out;
    case 'unit-id':
      out[6] = 42;
      return out;
    case 'wrong-tid':
      out.writeUInt16BE((out.readUInt16BE(0) + 7) & 0xffff, 0);
      return out;
    case 'exception': {
      // Exception 02 (illegal data address) for the request's function code.
      const ex = Buffer.from(out.subarray(0, 9));
      ex.writeUInt16BE(3, 4);
      ex[7] = (out[7]! | 0x80) & 0xff;
      ex[8] = 2;
      return ex;
    }
    case 'double':
      return Buffer.concat([out, out]);
    default:
      return out;
  }
}

export async function startFaultProxy(target: { host: string; port: number }, options: { delayMs?: number } = {}): Promise<FaultProxy> {
  let fault: ReplyFault = 'none';
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  function listen(): Promise<void> {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.on('data', (request: Buffer) => {
        if (fault !== 'blackhole') upstream.write(request);
      });
      upstream.on('data', (reply: Buffer) => {
        switch (fault) {
          case 'blackhole':
            return;
          case 'reset':
            return void client.resetAndDestroy();
          case 'reset-mid-reply':
            client.write(reply.subarray(0, Math.ceil(reply.length / 2)));
            return void setTimeout(() => client.resetAndDestroy(), 5);
          case 'truncated':
            return void client.write(reply.subarray(0, Math.ceil(reply.length / 2)));
          case 'delay':
            return void setTimeout(() => !client.destroyed && client.write(reply), options.delayMs ?? 1000);
          default:
            client.write(spoil(reply, fault));
        }
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server = s;
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** `kill`: every connection reset and new ones refused, as a PLC that died; anything else listens again. */
  async function apply(next: ReplyFault): Promise<void> {
    fault = next;
    if (next === 'kill') {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    } else if (!server) {
      await listen();
    }
  }

  await listen();
  return {
    get port() {
      return port;
    },
    set: (next) => void apply(next),
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}
