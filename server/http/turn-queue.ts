/**
 * Runs queued functions one per turn of the event loop, in order: between two of them the
 * loop polls for I/O, so a burst of queued work does not keep ready I/O (the poller's
 * messages, sockets to write) waiting for the whole burst.
 */
export function createTurnQueue(): (run: () => void) => void {
  const queue: (() => void)[] = [];
  let head = 0;
  const next = () => {
    const run = queue[head++]!;
    if (head === queue.length) queue.length = head = 0;
    else setImmediate(next);
    run();
  };
  return (run) => {
    queue.push(run);
    if (queue.length - head === 1) setImmediate(next);
  };
}
