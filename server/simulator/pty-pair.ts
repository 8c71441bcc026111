import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
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
 * Starts `socat` with two raw pseudo-terminals linked at `<dir>/<name>-poller` and
 * `<dir>/<name>-device`; resolves once both links exist. Rejects with UnavailableError when
 * socat is missing or fails within `timeoutMs` (default 5000).
 */
export async function openPtyPair(dir: string, name = 'rtu', timeoutMs = 5000): Promise<PtyPair> {
  const poller = join(dir, `${name}-poller`);
  const device = join(dir, `${name}-device`);
  const child = spawn('socat', [`pty,raw,echo=0,link=${poller}`, `pty,raw,echo=0,link=${device}`], { stdio: ['ignore', 'ignore', 'pipe'] });
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
