import { buildServer } from './build-server.ts';
import { loadConfig } from './config.ts';
import { ConfigError } from '../lib/errors.ts';

/** Entry: starts Linewatch and stops it gracefully on SIGTERM/SIGINT (a second signal forces). */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await buildServer(config);
  const log = config.log;
  log.info({ url: server.url, plant: server.runtime.plant.name, lines: server.runtime.plant.lines.length }, `Linewatch listening on ${server.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, `${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, `${signal}: stopping (streams, simulators, poller, history flush)`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.fatal({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Before a logger exists (or about its settings): a plain message for the person who ran the command.
  process.stderr.write(`Linewatch cannot start: ${error instanceof ConfigError ? error.message : ((error as Error)?.stack ?? String(error))}\n`);
  process.exit(1);
});
