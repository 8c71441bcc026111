import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Makes the calling thread background work (history queries in a worker thread): a higher
 * nice value, and the SCHED_IDLE policy, so it runs only when no live-path thread (the main
 * event loop, the poller) wants the CPU. A nice value alone only weighs shares: measured
 * with 10 history queries always in flight, a waking main thread still waited behind the
 * query workers, and the live path's p99 was 6-7 ms instead of 4.8-5.4. Linux only, where
 * each thread has its own nice value and policy (`/proc/thread-self` names the thread's id);
 * elsewhere, or when not permitted, a no-op. Returns whether the nice value took effect.
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
 * background work only (an export). Its V8 and libuv helper threads start before any of its
 * code runs, so setting the main thread's nice value, from the parent or here, leaves them
 * at full priority; threads started later take the nice value of the thread that starts
 * them. Then the SCHED_IDLE policy too: with a nice value alone, a live-path thread that
 * wakes while an export runs may still wait out the export's time slice. Linux only;
 * elsewhere a no-op.
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

/**
 * Puts this process's main thread under the SCHED_RR real-time policy at `priority` (1-99),
 * for the live process: its event loop reads the PLC replies and writes the streams, and at
 * an ordinary priority a reply that came while both cores ran other work waited for a time
 * slice to end (`linewatch_stream_fanout_seconds`, poll reply → written to every stream, with
 * history queries and an export running: p99 4-6 ms at an ordinary priority, under 1 ms at
 * SCHED_RR, as when idle; SCHED_IDLE on the history work alone did not get there). Only the main
 * thread, and threads started later do not inherit it (reset on fork): V8's and libuv's
 * helper threads (garbage collection, file I/O) stay ordinary, so no long task holds a core
 * at real-time priority. The kernel keeps a share of each core for ordinary work whatever a
 * real-time thread does. Needs root or CAP_SYS_NICE (or an RLIMIT_RTPRIO); returns why not
 * when it did not take effect, else undefined.
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
