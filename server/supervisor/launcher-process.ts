/**
 * The launcher process (see launcher.ts): forks the children the server's supervisor asks for
 * and relays what each does. Small on purpose, so that forking from it is cheap. Ends with
 * the server: when the server's IPC channel closes (the server exited or was killed), every
 * child gets SIGTERM, SIGKILL after a grace, and the launcher exits once they are gone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { LauncherEvent, LauncherRequest } from './launcher.ts';

const KILL_AFTER_MS = 5000;
const children = new Map<number, ChildProcess>();

const emit = (event: LauncherEvent) => {
  if (process.connected) process.send!(event);
};

function start(r: Extract<LauncherRequest, { op: 'fork' }>): void {
  const { key } = r;
  let child: ChildProcess;
  try {
    child = fork(r.module, r.args, { execArgv: r.execArgv, env: r.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  } catch (error) {
    emit({ ev: 'error', key, message: error instanceof Error ? error.message : String(error), spawned: false });
    emit({ ev: 'close', key, code: null, signal: null });
    return;
  }
  children.set(key, child);
  child.on('spawn', () => emit({ ev: 'spawn', key, pid: child.pid! }));
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => emit({ ev: 'output', key, stream, chunk }));
    child[stream]!.on('end', () => emit({ ev: 'end', key, stream }));
  }
  child.on('message', (message) => emit({ ev: 'message', key, message }));
  child.on('disconnect', () => emit({ ev: 'disconnect', key }));
  child.on('error', (error) => emit({ ev: 'error', key, message: error.message, spawned: child.pid !== undefined }));
  child.on('exit', (code, signal) => emit({ ev: 'exit', key, code, signal }));
  child.on('close', (code, signal) => {
    children.delete(key);
    emit({ ev: 'close', key, code, signal });
  });
}

process.on('message', (r: LauncherRequest) => {
  const child = r.op === 'fork' ? undefined : children.get(r.key);
  switch (r.op) {
    case 'fork':
      start(r);
      break;
    case 'send':
      child?.send(r.message as object, (error) => error && emit({ ev: 'send-failed', key: r.key, message: error.message }));
      break;
    case 'kill':
      child?.kill(r.signal);
      break;
  }
});

process.once('disconnect', () => {
  for (const child of children.values()) child.kill('SIGTERM');
  // Unref'd: once the children are gone nothing else holds this process, and it ends.
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, KILL_AFTER_MS).unref();
});

// Ctrl-C in a terminal signals the whole process group: the children take their own SIGINT,
// and the launcher stays until the server has reaped them and lets it go.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
