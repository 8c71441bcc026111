import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Makes the calling thread background work (history queries in a worker thread): a higher
 * nice value and the SCHED_IDLE policy, so it runs only when no live-path thread wants the
 * CPU (a nice value alone only weighs shares; a waking thread still waited behind it). Linux
 * only, where each thread has its own nice value and policy; elsewhere, or when not
 * permitted, a no-op. Returns whether the nice value took effect.
 */
export function lowerThreadPriority(nice = 10): boolean {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
  } catch {
    return false;
  }
  idlePolicy(tid, false);
  return true;
}

/**
 * Lowers the priority of every thread of this process, for a child process that does
 * background work only (an export): V8's and libuv's helper threads start before any of its
 * code runs, so the main thread's nice value alone would leave them at full priority. Then
 * SCHED_IDLE too, as above. Linux only; elsewhere a no-op.
 */
export function lowerProcessPriority(nice = 19): void {
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return; // No /proc: not Linux.
  }
  for (const tid of threads) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // Gone meanwhile, or not permitted.
    }
  }
  idlePolicy(process.pid, true);
}

/** The live process's SCHED_RR priority unless configured: low among real-time ones, above every ordinary thread. */
export const defaultLivePriority = 10;

/**
 * Node flags for a process whose main thread will run at SCHED_RR `priority`
 * (`realtimeMainThread`; none at 0, an ordinary one): V8 does all its garbage collection on
 * that thread. With helper threads marking and sweeping, the main thread at times waits for
 * them by re-posting a task to itself, which never blocks; a real-time thread doing that on
 * the CPU a helper (ordinary priority) needs keeps it from running until the kernel's
 * real-time throttling (950 ms of every second). Seen on one CPU
 * (bench:live pinned with taskset: p99 800 ms, a sixth of the events lost) and on two, with
 * a second real-time process busy on the other. The young generation the live process
 * keeps small (2 MiB semi-spaces) makes collecting it on the main thread cheap.
 */
export const realtimeNodeFlags = (priority: number): string[] => (priority > 0 ? ['--single-threaded-gc'] : []);

/**
 * Puts this process's main thread under SCHED_RR at `priority` (1-99), for the live process,
 * so a PLC reply does not wait for another task's time slice to end. Safe only because that
 * thread parses no client input past a budget (the server reads and checks stream requests;
 * WebSocket control frames are budgeted, opens rate-limited): a flood of it at real-time
 * priority could starve the machine. Main thread only, reset on fork: V8's and libuv's
 * helper threads stay ordinary, so the process must not need them (start it with
 * `realtimeNodeFlags(priority)`). Needs root or CAP_SYS_NICE (or an RLIMIT_RTPRIO); returns
 * why not when it did not take effect, else undefined.
 */
export const realtimeMainThread = (priority: number): string | undefined => chrt('--rr', '--reset-on-fork', '--pid', String(priority), String(process.pid));

/**
 * The SCHED_IDLE policy for one thread, or every thread of a process (`allTasks`): a
 * SCHED_IDLE thread yields at once to any other that wakes. Where `chrt` is missing or not
 * permitted, the nice value alone.
 */
function idlePolicy(pid: number, allTasks: boolean): void {
  chrt('--idle', ...(allTasks ? ['--all-tasks'] : []), '--pid', '0', String(pid));
}

/** Runs util-linux `chrt` (Node has no call for scheduling policies); returns why it failed, else undefined. */
function chrt(...args: string[]): string | undefined {
  try {
    execFileSync('chrt', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return undefined;
  } catch (error) {
    const { stderr, message } = error as { stderr?: Buffer; message: string };
    return stderr?.toString().trim() || message;
  }
}
