import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread, so
 * background work in a worker thread (history queries, history writes) yields the CPU to
 * the main event loop and the poller. Linux only, where each thread has its own nice value
 * (`/proc/thread-self` names the thread's id); elsewhere, or when not permitted, a no-op.
 * Returns whether it took effect.
 */
export function lowerThreadPriority(nice = 10): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lowers the priority of every thread of this process, for a child process that does
 * background work only (an export). Its V8 and libuv helper threads start before any of its
 * code runs, so setting the main thread's nice value, from the parent or here, leaves them
 * at full priority; threads started later take the nice value of the thread that starts
 * them. Linux only; elsewhere a no-op.
 *
 * Then the SCHED_IDLE policy too (util-linux `chrt`, where it is installed). A nice value
 * only weighs a thread's share of the CPU: a live-path thread that wakes while an export
 * runs may still wait out the export's time slice, milliseconds. A SCHED_IDLE thread yields
 * at once to any other that wakes.
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
  try {
    execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // No chrt: the nice value alone.
  }
}
