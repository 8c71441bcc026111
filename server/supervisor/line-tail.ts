export type TailStream = 'stdout' | 'stderr';

export interface LineTail {
  /** Adds a decoded chunk of a stream; complete lines enter the ring, the rest waits for more. */
  push(stream: TailStream, chunk: string): void;
  /** Ends a stream: its unterminated last line (if any) enters the ring. */
  flush(stream: TailStream): void;
  /** Adds one line of our own (supervisor notes). */
  note(line: string): void;
  /** The last lines, oldest first. */
  lines(): string[];
}

/**
 * Bounded ring of the last `size` lines of a child's stdout and stderr (unmarked, in arrival
 * order). Lines longer than `maxLineLength` are cut into pieces so a child that never writes a
 * newline cannot grow the pending buffer without bound.
 */
export function createLineTail(size: number, maxLineLength = 4096): LineTail {
  const ring: string[] = new Array(Math.max(0, size));
  let next = 0;
  let count = 0;
  const pending: Record<TailStream, string> = { stdout: '', stderr: '' };

  const add = (line: string) => {
    if (ring.length === 0) return;
    ring[next] = line;
    next = (next + 1) % ring.length;
    count = Math.min(count + 1, ring.length);
  };

  return {
    push(stream, chunk) {
      let text = pending[stream] + chunk;
      let newline: number;
      while ((newline = text.indexOf('\n')) !== -1) {
        const line = text.slice(0, newline);
        add(line.endsWith('\r') ? line.slice(0, -1) : line);
        text = text.slice(newline + 1);
      }
      while (text.length > maxLineLength) {
        add(text.slice(0, maxLineLength));
        text = text.slice(maxLineLength);
      }
      pending[stream] = text;
    },
    flush(stream) {
      if (pending[stream] !== '') add(pending[stream]);
      pending[stream] = '';
    },
    note: add,
    lines() {
      const start = (next - count + ring.length) % Math.max(ring.length, 1);
      return Array.from({ length: count }, (_, i) => ring[(start + i) % ring.length]!);
    },
  };
}
