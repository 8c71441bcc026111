import { type ChildProcess, fork } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { entryFile, execArgvFor } from '../../server/util/entry-points.ts';

/**
 * A collector (`--role collector`) as a real process on `dir/plant.json`, PostgreSQL and the
 * Redis bus under `busPrefix`, its data in `dir/<id>`. With LW_TEST_COLLECTOR_LOGS=<prefix>,
 * its debug log goes to `<prefix>-<id>.log` (else only warnings, on stderr).
 */
export function startCollectorProcess(o: { id: string; dir: string; databaseUrl: string; redisUrl: string; busPrefix: string }): ChildProcess {
  const main = entryFile('main');
  const logs = process.env.LW_TEST_COLLECTOR_LOGS;
  return fork(main, ['--role', 'collector'], {
    execArgv: execArgvFor(main),
    stdio: ['ignore', logs ? openSync(`${logs}-${o.id}.log`, 'w') : 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LINEWATCH_DATA: join(o.dir, o.id),
      LINEWATCH_PLANT: join(o.dir, 'plant.json'),
      LINEWATCH_DATABASE_URL: o.databaseUrl,
      LINEWATCH_REDIS_URL: o.redisUrl,
      LINEWATCH_BUS_PREFIX: o.busPrefix,
      LINEWATCH_COLLECTOR_ID: o.id,
      LINEWATCH_LOG_LEVEL: logs ? 'debug' : 'warn',
    },
  });
}
