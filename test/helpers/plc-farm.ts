import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { execArgvFor } from '../../server/util/entry-points.ts';

/** A line's PLC clients as the farm's proxy counted them: now, the most at once, and when they came and went. */
export type FarmClients = { now: number; peak: number; timeline: string[] };

export interface PlcFarm {
  /** The proxies' ports, by line. */
  ports: Record<string, number>;
  /** Sets a holding register of a line's PLC. */
  set(line: string, address: number, value: number): void;
  clients(): Promise<Record<string, FarmClients>>;
  kill(): void;
}

/**
 * The PLC farm (test/fixtures/children/plc-farm.ts) for the scale-out tests: a real Modbus TCP
 * PLC per line behind a client-counting proxy, in a process of its own.
 */
export async function startPlcFarm(lines: readonly string[]): Promise<PlcFarm> {
  const module = join(import.meta.dirname, '../fixtures/children/plc-farm.ts');
  const farm: ChildProcess = fork(module, [], { execArgv: execArgvFor(module), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const request = <T>(message: object, answer: string): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      const listener = (m: { type: string; id?: number } & T) => {
        if (m.type !== answer || (m.id !== undefined && m.id !== id)) return;
        farm.off('message', listener);
        resolve(m);
      };
      farm.on('message', listener);
      farm.send({ ...message, id });
    });
  const { ports } = await request<{ ports: Record<string, number> }>({ type: 'start', lines }, 'started');
  return {
    ports,
    set: (line, address, value) => farm.send({ type: 'set', line, address, value }),
    clients: async () => (await request<{ clients: Record<string, FarmClients> }>({ type: 'clients' }, 'clients')).clients,
    kill: () => farm.kill(),
  };
}

/** A plant file's line reading the farm's PLC of `line` every 100 ms. */
export function farmLine(line: string, port: number, tags: object[]) {
  return {
    id: line,
    name: line,
    connections: [{ id: `${line}-plc`, protocol: 'tcp', host: '127.0.0.1', port, scanMs: 100, timeoutMs: 500, tags }],
  };
}
