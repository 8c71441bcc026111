import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

/**
 * Forks the supervised children from a small process of its own (launcher-process.ts),
 * started once, instead of from the server. `fork()` copies the forking process's page
 * tables and then waits for the child's `exec`: measured here, 12–25 ms with the event loop
 * blocked for a process of the server's size (about 400 MB resident) against 1.5 ms for a
 * small one. Every export and every simulator (re)start would otherwise hold the live path
 * back that long. The launcher relays each child's IPC messages, output, signals and exit.
 */

export interface LaunchOptions {
  /** Absolute path of the entry; `.ts` entries run with the tsx loader. */
  module: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/** What the supervisor uses of a child process; the launcher's children look like this. */
export interface LaunchedChild extends EventEmitter {
  /** Known from the `spawn` event on. */
  readonly pid: number | undefined;
  /** Messages can be sent (queued until the child runs); false once it exited or disconnected. */
  readonly connected: boolean;
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  kill(signal: NodeJS.Signals): boolean;
  send(message: unknown, callback: (error: Error | null) => void): boolean;
}

export interface Launcher {
  launch(options: LaunchOptions): LaunchedChild;
  /** Ends the launcher process once no child is live (it would end with this process anyway). */
  close(): void;
}

/** Server → launcher. */
export type LauncherRequest =
  | ({ op: 'fork'; key: number; execArgv: string[] } & LaunchOptions)
  | { op: 'send'; key: number; message: unknown }
  | { op: 'kill'; key: number; signal: NodeJS.Signals };

/** Launcher → server: the events of child `key`, in the order its ChildProcess emitted them. */
export type LauncherEvent =
  | { ev: 'spawn'; key: number; pid: number }
  | { ev: 'error'; key: number; message: string; spawned: boolean }
  | { ev: 'output'; key: number; stream: 'stdout' | 'stderr'; chunk: string }
  | { ev: 'end'; key: number; stream: 'stdout' | 'stderr' }
  | { ev: 'message'; key: number; message: unknown }
  | { ev: 'disconnect'; key: number }
  | { ev: 'send-failed'; key: number; message: string }
  | { ev: 'exit' | 'close'; key: number; code: number | null; signal: NodeJS.Signals | null };

const launcherModule = fileURLToPath(new URL('./launcher-process.ts', import.meta.url));
const tsEntry = /\.(?:[cm]?ts|tsx)$/;
let tsxLoader: string | undefined;
/** Node's flags for an entry. The loader is resolved here, so a child started from any cwd finds tsx. */
export const execArgvFor = (module: string) => (tsEntry.test(module) ? ['--import', (tsxLoader ??= import.meta.resolve('tsx'))] : []);

class RemoteChild extends EventEmitter implements LaunchedChild {
  pid: number | undefined;
  connected = true;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  constructor(
    private readonly key: number,
    /** The launcher process it was asked of. */
    readonly via: ChildProcess,
    private readonly request: (r: LauncherRequest) => boolean,
  ) {
    super();
  }
  kill(signal: NodeJS.Signals): boolean {
    return this.request({ op: 'kill', key: this.key, signal });
  }
  send(message: unknown, callback: (error: Error | null) => void): boolean {
    if (!this.connected) {
      queueMicrotask(() => callback(new Error('the child is not connected')));
      return false;
    }
    const sent = this.request({ op: 'send', key: this.key, message });
    queueMicrotask(() => callback(sent ? null : new Error('the launcher is gone')));
    return sent;
  }
}

export function createLauncher(log: (line: string) => void): Launcher {
  const children = new Map<number, RemoteChild>();
  let nextKey = 1;
  let proc: ChildProcess | undefined;

  /** The launcher keeps this process alive only while it has live children, as a direct child would. */
  const holdWhileBusy = () => {
    if (!proc) return;
    if (children.size > 0) {
      proc.ref();
      proc.channel?.ref();
    } else {
      proc.unref();
      proc.channel?.unref();
    }
  };

  const request = (to: ChildProcess, r: LauncherRequest): boolean => {
    if (!to.connected) return false;
    return to.send(r, (error) => {
      if (error) log(`launcher: request failed: ${error.message}`);
    });
  };

  function onEvent(e: LauncherEvent): void {
    const child = children.get(e.key);
    if (!child) return;
    switch (e.ev) {
      case 'spawn':
        child.pid = e.pid;
        child.emit('spawn');
        break;
      case 'error':
        if (!e.spawned) child.connected = false;
        child.emit('error', new Error(e.message));
        break;
      case 'output':
        child[e.stream].write(e.chunk);
        break;
      case 'end':
        child[e.stream].end();
        break;
      case 'message':
        child.emit('message', e.message);
        break;
      case 'disconnect':
        child.connected = false;
        break;
      case 'send-failed':
        log(`launcher: send to pid ${child.pid} failed: ${e.message}`);
        break;
      case 'exit':
        child.connected = false;
        child.emit('exit', e.code, e.signal);
        break;
      case 'close':
        gone(e.key, child, e.code, e.signal);
        break;
    }
  }

  function gone(key: number, child: RemoteChild, code: number | null, signal: NodeJS.Signals | null): void {
    children.delete(key);
    child.connected = false;
    child.stdout.end();
    child.stderr.end();
    child.emit('close', code, signal);
    holdWhileBusy();
  }

  function start(): ChildProcess {
    const launcher = fork(launcherModule, [], {
      execArgv: execArgvFor(launcherModule),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    launcher.on('message', (e: LauncherEvent) => onEvent(e));
    launcher.on('error', (error) => log(`launcher: ${error.message}`));
    launcher.on('exit', (code, signal) => {
      if (proc === launcher) proc = undefined;
      const orphans = [...children.values()].filter((c) => c.via === launcher).length;
      if (orphans > 0) log(`launcher: exited (${signal ?? `code ${code}`}) with ${orphans} children: they exit with it`);
      // Its children see their IPC channel close and exit (exitWithParent); say so to their records.
      for (const [key, child] of children) {
        if (child.via !== launcher) continue;
        if (child.pid === undefined) child.emit('error', new Error('the launcher exited before the child started'));
        else child.emit('exit', null, null);
        gone(key, child, null, null);
      }
    });
    return launcher;
  }

  return {
    launch(options) {
      // A launcher that exited or was let go (close) is replaced.
      if (!proc?.connected) proc = start();
      const via = proc;
      const key = nextKey++;
      const child = new RemoteChild(key, via, (r) => request(via, r));
      children.set(key, child);
      holdWhileBusy();
      if (!request(via, { op: 'fork', key, execArgv: execArgvFor(options.module), ...options })) {
        queueMicrotask(() => {
          child.emit('error', new Error('the launcher is not running'));
          gone(key, child, null, null);
        });
      }
      return child;
    },
    close() {
      if (proc?.connected && children.size === 0) proc.disconnect();
    },
  };
}
