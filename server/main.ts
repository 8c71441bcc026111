import { buildServer } from './build-server.ts';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';

/** Entry: starts Linewatch and stops it gracefully on SIGTERM/SIGINT (a second signal forces). */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await buildServer(config);
  config.log(`Linewatch listening on ${server.url} (${server.runtime.plant.name}, ${server.runtime.plant.lines.length} lines)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      config.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    config.log(`${signal}: stopping (streams, simulators, poller, history flush)`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Linewatch cannot start: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
