import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 now (modbus-serial's ServerTCP can't listen on port 0: `port || 502`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
