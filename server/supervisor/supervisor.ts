import { fork, type ChildProcess } from 'node:child_process';
import { isAbsolute } from 'node:path';
import type { ProcessInfo, ProcessStatus } from '../../lib/types.ts';
import { ConflictError, ValidationError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { execArgvFor } from '../util/entry-points.ts';
import { isReadyMessage } from './child-lifecycle.ts';
import { createLineTail, type LineTail } from './line-tail.ts';
import { assertTransition, classifyExit, isLive } from './process-status.ts';
import { restartDelay, type RestartPolicy } from './restart-backoff.ts';

export type { RestartPolicy } from './restart-backoff.ts';

export interface ProcessSpec {
  /** Unique among live processes; starting a stopped or crashed id again replaces it. */
  id: string;
  /** Shown to people. */
  name: string;
  /** Absolute path of the entry; `.ts` entries run with the tsx loader. */
  module: string;
  args?: string[];
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string>;
  /** Sent over IPC right after each spawn (restarts included). */
  initialMessage?: unknown;
  /** When true, `running` only after the child sends `{ type: 'ready', ...info }`. Default false. */
  waitForReady?: boolean;
  /** With `waitForReady`: longer than this after its spawn, the child is stopped and marked crashed. Default 10 000. */
  readyTimeoutMs?: number;
  /** Restart after a crash, with exponential backoff. Default: never. */
  restart?: RestartPolicy;
}

export interface ProcessHandle {
  readonly id: string;
  info(): ProcessInfo;
  /**
   * SIGTERM, then SIGKILL once `graceMs` (default 5000) ran out; resolves once the child is
   * reaped. Cancels a pending restart. While stopping, every call returns the same promise.
   */
  stop(graceMs?: number): Promise<ProcessInfo>;
  /** Sends over IPC; false when no child is connected. */
  send(message: unknown): boolean;
  /** Every IPC message of this process (across restarts); returns the remover. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Resolves when the process is over: stopped, or crashed with no restart to come. */
  exited(): Promise<ProcessInfo>;
}

export interface SupervisorOptions {
  /** Called with a snapshot on every status change and when ready info arrives. */
  onChange?: (info: ProcessInfo) => void;
  /** Lines of stdout + stderr kept per process. Default 200. */
  tailLines?: number;
  /** Default: silent. */
  log?: Logger;
}

export interface Supervisor {
  /** Forks the child; throws ConflictError while that id is starting, running or stopping. */
  start(spec: ProcessSpec): ProcessHandle;
  get(id: string): ProcessHandle | undefined;
  list(): ProcessInfo[];
  /** Stops every process at once (default grace 5000 ms) and waits until all are reaped. */
  stopAll(graceMs?: number): Promise<void>;
}

/** Grace between SIGTERM and SIGKILL for a child that missed its ready deadline. */
const READY_TIMEOUT_GRACE_MS = 2000;
/** How long to wait after 'exit' for 'close' (stdio drained); a grandchild may hold the pipes. */
const CLOSE_AFTER_EXIT_MS = 1000;

/**
 * Supervises child processes (simulated PLCs, long jobs): forks them with an IPC channel,
 * tracks their status (see process-status.ts), keeps the tail of their output, stops them
 * with SIGTERM → SIGKILL and always reaps them, and restarts crashed ones if asked.
 */
export function createSupervisor(options: SupervisorOptions = {}): Supervisor {
  const tailLines = options.tailLines ?? 200;
  if (!Number.isInteger(tailLines) || tailLines < 0) throw new ValidationError('tailLines must be an integer ≥ 0', { field: 'tailLines' });
  const log = options.log ?? silentLogger();
  const records = new Map<string, ManagedProcess>();

  const emit = (info: ProcessInfo) => {
    if (!options.onChange) return;
    try {
      options.onChange(info);
    } catch (error) {
      // A failing observer must not break supervision (we may be inside a child's event).
      log.error({ err: error, process: info.id }, 'onChange failed');
    }
  };

  return {
    start(spec) {
      validateSpec(spec);
      const existing = records.get(spec.id);
      if (existing && isLive(existing.status())) {
        throw new ConflictError(`process "${spec.id}" is ${existing.status()}`, { field: 'id' });
      }
      existing?.discard();
      const managed = createManagedProcess(spec, { tail: createLineTail(tailLines), emit, log });
      records.set(spec.id, managed);
      managed.launch();
      return managed.handle;
    },
    get: (id) => records.get(id)?.handle,
    list: () => [...records.values()].map((r) => r.handle.info()),
    async stopAll(graceMs) {
      await Promise.all([...records.values()].map((r) => r.handle.stop(graceMs)));
    },
  };
}

interface ManagedProcess {
  handle: ProcessHandle;
  status(): ProcessStatus;
  launch(): void;
  /** Replaced by a new start of the same id: drop a pending restart. */
  discard(): void;
}

interface Context {
  tail: LineTail;
  emit: (info: ProcessInfo) => void;
  log: Logger;
}

function createManagedProcess(spec: ProcessSpec, ctx: Context): ManagedProcess {
  const { tail } = ctx;
  const log = ctx.log.child({ process: spec.id });
  const listeners = new Set<(message: unknown) => void>();
  let status: ProcessStatus = 'starting';
  let child: ChildProcess | undefined;
  let pid: number | null = null;
  let startedAt: number | null = null;
  let stoppedAt: number | null = null;
  let exitCode: number | null = null;
  let signal: string | null = null;
  let restarts = 0;
  let info: Record<string, unknown> = {};
  /** The current stop is a failure (ready timeout): the exit counts as a crash. */
  let forcedCrash = false;
  /** Someone called stop(): no restart any more. */
  let stopRequested = false;
  let readyTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let stopping: Deferred<ProcessInfo> | undefined;
  const over = deferred<ProcessInfo>();
  let isOver = false;

  const snapshot = (): ProcessInfo => ({
    id: spec.id,
    name: spec.name,
    status,
    pid,
    startedAt,
    stoppedAt,
    exitCode,
    signal,
    restarts,
    tail: tail.lines(),
    info: { ...info },
  });

  const setStatus = (next: ProcessStatus) => {
    status = assertTransition(status, next);
    ctx.emit(snapshot());
  };

  const note = (line: string) => {
    tail.note(`[supervisor] ${line}`);
    log.info(line);
  };

  const clearTimers = () => {
    clearTimeout(readyTimer);
    clearTimeout(killTimer);
    clearTimeout(restartTimer);
    readyTimer = killTimer = restartTimer = undefined;
  };

  const finish = () => {
    if (isOver) return;
    isOver = true;
    clearTimers();
    const info = snapshot();
    stopping?.resolve(info);
    over.resolve(info);
  };

  /** Forks the child of a record in status `starting`; it is announced (with its pid) once it runs. */
  function spawnChild(): void {
    forcedCrash = false;
    startedAt = Date.now();
    stoppedAt = exitCode = signal = pid = null;
    info = {};
    const proc = fork(spec.module, spec.args ?? [], {
      execArgv: execArgvFor(spec.module),
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child = proc;
    let gone = false;
    let closeTimer: NodeJS.Timeout | undefined;
    const done = (code: number | null, sig: string | null) => {
      if (gone) return;
      gone = true;
      clearTimeout(closeTimer);
      tail.flush('stdout');
      tail.flush('stderr');
      onGone(code, sig);
    };

    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = proc[stream];
      readable?.setEncoding('utf8');
      readable?.on('data', (chunk: string) => tail.push(stream, chunk));
      readable?.on('end', () => tail.flush(stream));
    }
    proc.on('spawn', () => {
      if (child !== proc) return;
      pid = proc.pid ?? null;
      log.info({ childPid: pid }, 'started');
      if (status !== 'starting') return;
      ctx.emit(snapshot());
      if (spec.waitForReady) awaitReady();
      else setStatus('running');
    });
    proc.on('message', (message: unknown) => {
      if (isReadyMessage(message) && child === proc) onReady(message);
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (error) {
          log.error({ err: error }, 'message listener failed');
        }
      }
    });
    proc.on('error', (error) => {
      if (proc.pid === undefined) {
        note(`could not start: ${error.message}`);
        done(null, null);
      } else {
        log.error({ err: error }, 'child process error');
      }
    });
    proc.on('exit', (code, sig) => {
      // Reaped. Wait for 'close' so the tail holds the last output, but not forever.
      clearTimeout(killTimer);
      clearTimeout(readyTimer);
      closeTimer = setTimeout(() => done(code, sig), CLOSE_AFTER_EXIT_MS);
    });
    proc.on('close', (code, sig) => done(code, sig));

    if (spec.initialMessage !== undefined) send(spec.initialMessage);
  }

  /** The ready deadline runs from the spawn event. */
  function awaitReady(): void {
    const timeoutMs = spec.readyTimeoutMs ?? 10_000;
    readyTimer = setTimeout(() => {
      readyTimer = undefined;
      if (status !== 'starting') return;
      note(`not ready after ${timeoutMs} ms, stopping it`);
      forcedCrash = true;
      terminate(READY_TIMEOUT_GRACE_MS);
    }, timeoutMs).unref();
  }

  function onReady(message: Record<string, unknown>): void {
    if (status !== 'starting' && status !== 'running') return;
    const { type: _type, ...rest } = message;
    info = rest;
    clearTimeout(readyTimer);
    readyTimer = undefined;
    if (status === 'starting') setStatus('running');
    else ctx.emit(snapshot());
  }

  function onGone(code: number | null, sig: string | null): void {
    child = undefined;
    exitCode = code;
    signal = sig;
    stoppedAt = Date.now();
    clearTimeout(readyTimer);
    clearTimeout(killTimer);
    readyTimer = killTimer = undefined;
    const next = classifyExit(status, code, sig, forcedCrash);
    const how = sig ? `killed by ${sig}` : code === null ? 'failed to start' : `exited with code ${code}`;
    log[next === 'crashed' ? 'warn' : 'info']({ code, signal: sig }, `${how} → ${next}`);
    setStatus(next);
    const policy = spec.restart;
    if (next === 'crashed' && policy && !stopRequested && restarts < policy.maxRestarts) {
      const delay = restartDelay(restarts, policy);
      note(`${how}; restart ${restarts + 1}/${policy.maxRestarts} in ${delay} ms`);
      // Not unref'd: a restart is due work, and exited() must not hang on a loop that ran dry.
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        restarts += 1;
        status = assertTransition(status, 'starting');
        spawnChild();
      }, delay);
      return;
    }
    finish();
  }

  /** SIGTERM now, SIGKILL after `graceMs`; the exit handlers settle the rest. */
  function terminate(graceMs: number): void {
    setStatus('stopping');
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    killTimer = setTimeout(() => {
      killTimer = undefined;
      if (child !== proc) return;
      note(`still running ${graceMs} ms after SIGTERM, sending SIGKILL`);
      proc.kill('SIGKILL');
    }, graceMs).unref();
  }

  function send(message: unknown): boolean {
    const proc = child;
    if (!proc?.connected) return false;
    // The callback keeps a failed write (channel closing under us) from becoming an 'error' event.
    return proc.send(message as object, (error) => {
      if (error) log.warn({ err: error }, 'send failed');
    });
  }

  const handle: ProcessHandle = {
    id: spec.id,
    info: snapshot,
    stop(graceMs = 5000) {
      stopRequested = true;
      if (restartTimer) {
        note('pending restart cancelled by stop');
        finish();
      }
      if (status === 'stopping') return (stopping ??= deferred()).promise;
      if (status === 'stopped' || status === 'crashed') return Promise.resolve(snapshot());
      stopping = deferred();
      const { promise } = stopping;
      terminate(graceMs);
      return promise;
    },
    send,
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    exited: () => over.promise,
  };

  return {
    handle,
    status: () => status,
    launch: spawnChild,
    discard() {
      stopRequested = true;
      if (restartTimer) finish();
    },
  };
}

function validateSpec(spec: ProcessSpec): void {
  if (typeof spec.id !== 'string' || spec.id === '') throw new ValidationError('id must be a non-empty string', { field: 'id' });
  if (typeof spec.module !== 'string' || !isAbsolute(spec.module)) {
    throw new ValidationError('module must be an absolute path', { field: 'module' });
  }
  if (spec.args && !spec.args.every((a) => typeof a === 'string')) throw new ValidationError('args must be strings', { field: 'args' });
  if (spec.readyTimeoutMs !== undefined && !(spec.readyTimeoutMs > 0)) {
    throw new ValidationError('readyTimeoutMs must be > 0', { field: 'readyTimeoutMs' });
  }
  const r = spec.restart;
  if (r) {
    if (!Number.isInteger(r.maxRestarts) || r.maxRestarts < 0) {
      throw new ValidationError('restart.maxRestarts must be an integer ≥ 0', { field: 'restart.maxRestarts' });
    }
    if (r.initialDelayMs !== undefined && !(r.initialDelayMs >= 0)) {
      throw new ValidationError('restart.initialDelayMs must be ≥ 0', { field: 'restart.initialDelayMs' });
    }
    if (r.maxDelayMs !== undefined && !(r.maxDelayMs >= 0)) {
      throw new ValidationError('restart.maxDelayMs must be ≥ 0', { field: 'restart.maxDelayMs' });
    }
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
