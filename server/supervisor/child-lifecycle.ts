/**
 * Child side of the supervisor protocol, for modules the supervisor forks. Importing it
 * starts nothing; call `exitWithParent` once at start-up and `reportReady` when ready.
 */

/** The IPC message that moves a `waitForReady` process to `running`; the rest becomes its info. */
export type ReadyMessage = { type: 'ready' } & Record<string, unknown>;

export function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready';
}

export type ExitReason = 'SIGTERM' | 'SIGINT' | 'disconnect';

export interface ExitWithParentOptions {
  /** Longest wait for `onExit` before exiting anyway (with code 1), ms. Default 1500. */
  deadlineMs?: number;
}

/**
 * Makes this child exit when it is asked to (SIGTERM, SIGINT) or when the parent's IPC
 * channel closes, which is also what a SIGKILLed parent looks like: so a killed server
 * leaves no orphans. Runs `onExit` once, then exits 0; exits 1 if `onExit` throws or
 * outlives the deadline. Call once per process.
 */
export function exitWithParent(onExit?: (reason: ExitReason) => Promise<void> | void, options: ExitWithParentOptions = {}): void {
  const deadlineMs = options.deadlineMs ?? 1500;
  let exiting = false;
  const exit = (reason: ExitReason) => {
    if (exiting) return;
    exiting = true;
    // Unref'd: if onExit leaves nothing pending, the process may end even sooner, on its own.
    setTimeout(() => {
      process.stderr.write(`exit: cleanup still running after ${deadlineMs} ms, exiting anyway\n`);
      process.exit(1);
    }, deadlineMs).unref();
    Promise.resolve()
      .then(() => onExit?.(reason))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`exit: cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => exit('SIGTERM'));
  process.once('SIGINT', () => exit('SIGINT'));
  process.once('disconnect', () => exit('disconnect'));
}

/**
 * Tells the supervisor this child is ready, with facts to show in its ProcessInfo.info
 * (`{ port }`). Returns false when there is no IPC channel (not started by a supervisor).
 */
export function reportReady<T extends object>(info: T): boolean {
  return process.send?.({ ...info, type: 'ready' }) ?? false;
}
