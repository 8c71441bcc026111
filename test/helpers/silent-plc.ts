import { createServer, type Socket } from 'node:net';

export interface SilentPlc {
  port: number;
  /** Connections open now. */
  sockets: Set<Socket>;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers: a PLC that hangs. */
export async function startSilentPlc(): Promise<SilentPlc> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // Read and ignore requests: a paused socket would never see the client's FIN.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
