import { ModbusReadError } from '../../lib/errors.ts';
import { charTimeMs, interFrameSilenceMs } from '../../lib/modbus/rtu-frame.ts';
import { createRtuBus, type RtuBus, type RtuBusTiming } from './rtu-bus.ts';
import { openLink, targetKey, type RtuTarget } from './rtu-links.ts';
import { bounded } from './timing.ts';

/**
 * The RTU buses of one poller, shared by reference count: the first connection on a serial
 * port (or gateway address) opens it, the last one to leave closes it, and a bus that died is
 * opened anew by the next connection that asks — after the old port is released, since a
 * serial port is opened exclusively.
 */
export interface RtuBuses {
  /** A share of the bus at `target`, opened within `timeoutMs` if it is not open yet. Rejects with a ModbusReadError. */
  acquire(target: RtuTarget, timeoutMs: number, ...signals: AbortSignal[]): Promise<RtuLease>;
  /** Closes every bus (leases see `closed`); resolves once the ports are released. */
  close(): Promise<void>;
}

export interface RtuLease {
  readonly bus: RtuBus;
  /** Aborted when the bus closed or this lease was released. */
  readonly closed: AbortSignal;
  /** Gives the share back; the last one closes the bus. A second call is harmless. */
  release(): void;
}

interface Entry {
  key: string;
  refs: number;
  bus: ReturnType<typeof createRtuBus>;
  /** Resolves once the link is open and attached. */
  ready: Promise<void>;
}

function timingOf(target: RtuTarget): RtuBusTiming {
  if (target.kind === 'tcp') return { charMs: 0, silenceMs: 0 };
  return { charMs: charTimeMs(target.settings), silenceMs: interFrameSilenceMs(target.settings) };
}

export function createRtuBuses(): RtuBuses {
  const entries = new Map<string, Entry>();
  /** Closing links by key: a new open of the same port waits for it. */
  const closing = new Map<string, Promise<void>>();
  let stopped = false;

  function open(target: RtuTarget, timeoutMs: number): Entry {
    const key = targetKey(target);
    const bus = createRtuBus(timingOf(target));
    const previous = closing.get(key) ?? Promise.resolve();
    const ready = previous.then(() => openLink(target, bus, timeoutMs)).then((link) => bus.attach(link));
    const entry: Entry = { key, refs: 0, bus, ready };
    ready.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    entries.set(key, entry);
    return entry;
  }

  /** Takes the entry out of use and releases its link (also a dead one's). Safe to call twice. */
  function retire(entry: Entry): void {
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    const done = entry.ready.then(
      () => entry.bus.close(),
      () => {},
    );
    closing.set(entry.key, done);
    void done.then(() => {
      if (closing.get(entry.key) === done) closing.delete(entry.key);
    });
  }

  function unref(entry: Entry): void {
    entry.refs--;
    if (entry.refs === 0) retire(entry);
  }

  return {
    async acquire(target, timeoutMs, ...signals) {
      if (stopped) throw new ModbusReadError('closed');
      let entry = entries.get(targetKey(target));
      if (entry?.bus.closed.aborted) {
        retire(entry);
        entry = undefined;
      }
      entry ??= open(target, timeoutMs);
      entry.refs++;
      const ready = await bounded(entry.ready, timeoutMs, ...signals);
      if (!ready.ok) {
        unref(entry);
        if ('error' in ready) throw ready.error instanceof ModbusReadError ? ready.error : new ModbusReadError('port error', { cause: ready.error });
        throw new ModbusReadError('timedOut' in ready ? 'timeout' : 'aborted');
      }
      const released = new AbortController();
      const owner = entry;
      return {
        bus: entry.bus,
        closed: AbortSignal.any([entry.bus.closed, released.signal]),
        release() {
          if (released.signal.aborted) return;
          released.abort(new ModbusReadError('closed'));
          unref(owner);
        },
      };
    },
    async close() {
      stopped = true;
      for (const entry of [...entries.values()]) retire(entry);
      await Promise.all(closing.values());
    },
  };
}
