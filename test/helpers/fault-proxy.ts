import { createServer, type AddressInfo, connect, type Socket } from 'node:net';

/** How the proxy spoils the replies going back to the client (each reply, as one chunk on loopback). */
export type ReplyFault = 'none' | 'protocol-id' | 'garbage' | 'longer' | 'shorter' | 'unit-id' | 'reset';

/**
 * A Modbus TCP proxy that spoils the PLC's replies on demand, for the poller's fault tests:
 * the PLC stays healthy, the client sees the fault.
 */
export interface FaultProxy {
  readonly port: number;
  set(fault: ReplyFault): void;
  close(): Promise<void>;
}

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
    default:
      return out;
  }
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let fault: ReplyFault = 'none';
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.on('data', (reply: Buffer) => {
      if (fault === 'reset') client.resetAndDestroy();
      else client.write(spoil(reply, fault));
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    set: (next) => void (fault = next),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
