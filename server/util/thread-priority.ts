import { readlinkSync } from 'node:fs';
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
