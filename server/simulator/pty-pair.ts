import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../../lib/errors.ts';

/** Two linked pseudo-terminals: what one end writes, the other reads — a serial cable in software. */
export interface PtyPair {
  /** Path of the end the poller opens (a symlink to /dev/pts/N). */
  readonly poller: string;
  /** Path of the end the simulated devices serve on. */
  readonly device: string;
  /** Stops socat (the links go with it); resolves once it exited. A second call is harmless. */
  close(): Promise<void>;
}

/**
 * `setpriv --pdeathsig` (util-linux) where it exists: socat then gets SIGTERM when the process
 * that started it dies, even by SIGKILL, and removes its links on the way out. Without it a
 * killed simulator would leave socat running and its links pointing at a pty.
 */
const withParentDeath = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'TERM', '--'] : [];

/**
 * Starts `socat` with two raw pseudo-terminals linked at `<dir>/<name>-poller` and
 * `<dir>/<name>-device` (links left there by a socat that was killed are replaced); resolves
 * once both links exist. socat ends with the process that started it (see `withParentDeath`).
 * Rejects with UnavailableError when socat is missing or fails within `timeoutMs` (default 5000).
 */
export async function openPtyPair(dir: string, name = 'rtu', timeoutMs = 5000): Promise<PtyPair> {
  const poller = join(dir, `${name}-poller`);
  const device = join(dir, `${name}-device`);
  // A link a killed socat left could point at a pty someone else has now: never wait on it.
  await Promise.all([rm(poller, { force: true }), rm(device, { force: true })]);
  const [command, ...args] = [...withParentDeath, 'socat', `pty,raw,echo=0,link=${poller}`, `pty,raw,echo=0,link=${device}`];
  const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A missing binary: 'error' and no 'exit'.
    child.once('error', (error) => {
      stderr += error.message;
      resolve();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const close = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
  };
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ready = await Promise.all([access(poller), access(device)]).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (gone || performance.now() > deadline) {
      await close();
      throw new UnavailableError(`socat did not make a pty pair: ${stderr.trim() || 'timed out'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let closing: Promise<void> | undefined;
  return {
    poller,
    device,
    close: () => (closing ??= close()),
  };
}
