import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveBus } from '../../server/bus/live-bus.ts';
import { openRedisBus } from '../../server/bus/redis-bus.ts';
import { createLogger } from '../../server/log/logger.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createTestDatabase, throughProxy } from './pg-database.ts';
import { type PlcFarm, startPlcFarm } from './plc-farm.ts';
import type { TcpProxy } from './tcp-proxy.ts';

/**
 * What the collector tests through a PostgreSQL outage share: a temp dir for the plant file,
 * a fresh database reached through a TCP forwarder the test cuts (`proxiedUrl`, for the
 * collectors) and directly (`store`, the test's own view), a Redis bus under a prefix of its
 * own, and a PLC farm with a PLC per line.
 */
export interface OutageRig {
  dir: string;
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  proxy: TcpProxy;
  proxiedUrl: string;
  store: Store;
  bus: LiveBus;
  farm: PlcFarm;
  redisUrl: string;
  busPrefix: string;
  /** Writes `plant` as the collectors' plant file. */
  writePlant(plant: object): Promise<void>;
  /** Takes it all down; stop the collectors first. */
  close(): Promise<void>;
}

export async function openOutageRig(name: string, lines: readonly string[]): Promise<OutageRig> {
  const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const dir = await mkdtemp(join(tmpdir(), `lw-${name}-`));
  const database = await createTestDatabase(`lw_${name.replaceAll('-', '_')}`);
  const { url: proxiedUrl, proxy } = await throughProxy(database.url);
  const store = await createPostgresStore(database.url);
  const bus = await openRedisBus({ url: redisUrl, log: createLogger({ level: 'silent' }), keyPrefix: busPrefix, blockMs: 500 });
  const farm = await startPlcFarm(lines);
  return {
    dir,
    database,
    proxy,
    proxiedUrl,
    store,
    bus,
    farm,
    redisUrl,
    busPrefix,
    writePlant: (plant) => writeFile(join(dir, 'plant.json'), JSON.stringify(plant)),
    async close() {
      await bus.close();
      await store.close();
      await proxy.close();
      farm.kill();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
