import { readdirSync, readFileSync } from 'node:fs';

/**
 * Field `n` of a `/proc/<path>/stat` line, numbered as proc(5) numbers them (1 pid, 3 state,
 * 4 ppid, 19 nice, 41 policy). `path` is a pid, or `<pid>/task/<tid>` for one thread. The
 * command name (field 2) may hold spaces and parentheses: fields are counted after its last `)`.
 */
export function statField(path: string | number, n: number): string {
  const stat = readFileSync(`/proc/${path}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]!;
}

/**
 * `/proc/<path>/schedstat` of a thread (a pid: its main thread): ns on a CPU, ns waiting in a
 * run queue (runnable, not running), and time slices run. Undefined where the kernel keeps no
 * schedstats.
 */
export function schedStat(path: string | number): { runNs: number; waitNs: number; slices: number } | undefined {
  try {
    const [runNs, waitNs, slices] = readFileSync(`/proc/${path}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return runNs === undefined || waitNs === undefined || slices === undefined ? undefined : { runNs, waitNs, slices };
  } catch {
    return undefined;
  }
}

/** Children of `pid` as /proc lists them, with their state (`Z`: exited, not reaped). */
export function childrenOf(pid: number): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (Number(statField(name, 4)) === pid) out.push({ pid: Number(name), state: statField(name, 3) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Children of `pid`, their children, and so on. */
export const descendantsOf = (pid: number): { pid: number; state: string }[] => childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child.pid)]);

/** The live process (server/live/) among the descendants of `pid`, this process by default. */
export const liveProcessOf = (pid = process.pid): { pid: number; state: string } | undefined =>
  descendantsOf(pid).find((p) => /live-process\.[jt]s/.test(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')));

/** Whether a process `pid` exists (a zombie counts: it exited but was not reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
