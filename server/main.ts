import { buildServer } from './build-server.ts';
import { startCollector } from './collector/collector.ts';
import { loadConfig } from './config.ts';
import { ConfigError } from '../lib/errors.ts';

/** Entry: starts Linewatch in its role and stops it gracefully on SIGTERM/SIGINT (a second signal forces). */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = config.log;
  let server: { close(): Promise<void> };
  if (config.role === 'collector') {
    server = { close: (await startCollector(config)).stop };
  } else {
    const web = await buildServer(config);
    log.info({ url: web.url, plant: web.runtime.plant.name, lines: web.runtime.plant.lines.length }, `Linewatch listening on ${web.url}`);
    // Last, on a line of its own: the one thing a first run asks of the person who started it.
    if (web.setupUrl) log.warn({ setupUrl: web.setupUrl }, `>>> FIRST RUN: create the first admin at ${web.setupUrl} (one-time link) <<<`);
    server = web;
  }

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
