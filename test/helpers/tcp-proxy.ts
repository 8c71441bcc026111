import { createServer, type AddressInfo, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder to `target`, for outages on demand: `cut()` resets every connection and
 * refuses new ones (as a stopped database server does, seen from its clients); `restore()`
 * accepts again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** Clients connected now, the most there ever were at once, and when each came and went (`Date.now() % 1e6`). */
  clients(): { now: number; peak: number; timeline: string[] };
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const clients = new Set<Socket>();
  let peak = 0;
  const timeline: string[] = [];
  // Whole epoch ms: a shortened stamp wraps (every ~17 min for `% 1e6`) and breaks the order of spans.
  const at = () => Date.now();

  function listen(): Promise<void> {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host);
      clients.add(client);
      peak = Math.max(peak, clients.size);
      timeline.push(`+${client.remotePort}@${at()}`);
      client.on('close', () => {
        clients.delete(client);
        timeline.push(`-${client.remotePort}@${at()}`);
      });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
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

  async function cut(): Promise<void> {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await listen();
  return {
    get port() {
      return port;
    },
    clients: () => ({ now: clients.size, peak, timeline: [...timeline] }),
    cut,
    restore: () => (server ? Promise.resolve() : listen()),
    close: cut,
  };
}
