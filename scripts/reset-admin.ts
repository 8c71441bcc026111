// `npm run reset-admin -- --username <name> [--data <dir> | --database-url <url>]`: recovery
// when no one can administer Linewatch any more. Gives an existing user a new password and the
// admin role (and enables it, ends its sessions, writes an audit row) in the SQLite database in
// the data directory, or in PostgreSQL (--database-url or LINEWATCH_DATABASE_URL). The password comes from LINEWATCH_RESET_PASSWORD or is asked for twice on the
// terminal. Safe while the server runs (WAL, busy timeout); it sees the change within a second.
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resetAdmin } from '../server/auth/reset-admin.ts';
import { openStore, storeLocation } from '../server/storage/open-store.ts';

const usage =
  'usage: npm run reset-admin -- --username <name> [--data <dir> | --database-url <postgres://…>]  (password from LINEWATCH_RESET_PASSWORD or asked for)';

/** Reads a line from the terminal without echoing it. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((done, fail) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return (finish(), done(value));
        if (ch === '\u0003' || ch === '\u0004') return (finish(), fail(new Error('cancelled')));
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    process.stdout.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function password(): Promise<string> {
  const fromEnv = process.env.LINEWATCH_RESET_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password on: set LINEWATCH_RESET_PASSWORD');
  const first = await readHidden('New password (at least 10 characters): ');
  if ((await readHidden('Again: ')) !== first) throw new Error('the passwords differ');
  return first;
}

async function main(): Promise<number> {
  let values: { username?: string; data?: string; 'database-url'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { username: { type: 'string' }, data: { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help || !values.username) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const location = storeLocation({
    dataDir: resolve(values.data ?? process.env.LINEWATCH_DATA ?? './data'),
    databaseUrl: values['database-url'] ?? process.env.LINEWATCH_DATABASE_URL,
  });
  if (location.engine === 'sqlite' && !existsSync(location.file)) {
    process.stderr.write(`no Linewatch database at ${location.file} (give --data <dir> or LINEWATCH_DATA, or --database-url)\n`);
    return 1;
  }
  const secret = await password();
  const store = await openStore(location);
  try {
    const user = await resetAdmin(store, { username: values.username, password: secret, by: `${userInfo().username}@${hostname()}` });
    process.stdout.write(`${user.username} is an active admin with the new password; its sessions are ended.\n`);
    return 0;
  } finally {
    // Writes the audit row (queued while the server held the write lock) before exiting.
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reset-admin failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
