import { ServerTCP } from 'modbus-serial';
import type { Plant } from '../../lib/plant/schema.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';
import { freePort } from './free-port.ts';

/**
 * One real Modbus TCP PLC on a free loopback port serving `holding` (the test changes it to
 * raise an alarm), and a plant with one line reading it: `press`, tag `temp` (holding 0,
 * 100 ms scan) with a high alarm at 100 ("Press too hot"). For the scale-out tests.
 */
export async function startPressPlc(holding: number[], name = 'press'): Promise<{ plant: Plant; close(): Promise<void> }> {
  const port = await freePort();
  const server = await new Promise<ServerTCP>((resolve, reject) => {
    const s = new ServerTCP({ getHoldingRegister: (addr: number) => holding[addr] ?? 0 }, { host: '127.0.0.1', port, unitID: 1 });
    s.on('socketError', () => {});
    s.once('serverError', reject);
    s.once('initialized', () => resolve(s));
  });
  const plant = parsePlant({
    name,
    lines: [
      {
        id: 'press',
        name: 'Press 1',
        connections: [
          {
            id: 'press-plc',
            protocol: 'tcp',
            host: '127.0.0.1',
            port,
            scanMs: 100,
            timeoutMs: 500,
            tags: [{ name: 'temp', area: 'holding', address: 0, type: 'uint16', alarms: { hi: { limit: 100, priority: 'high', message: 'Press too hot' } } }],
          },
        ],
      },
    ],
  });
  return { plant, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
