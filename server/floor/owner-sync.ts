import type { Plant } from '../../lib/plant/schema.ts';
import { type LiveBus, lineOwner } from '../bus/live-bus.ts';
import type { LineSnapshot } from '../collector/line-unit.ts';
import type { Logger } from '../log/logger.ts';
import type { FloorState } from './floor-state.ts';

/**
 * Fills a web instance's floor state from the lines' owners: a `snapshot` command to each
 * line, tried again every `retryMs` until its owner answers (a line between two collectors
 * has none for a few seconds), and again for every line after a bus outage (events published
 * meanwhile never reached this instance).
 */
export function syncFromOwners(options: {
  bus: LiveBus;
  plant: Plant;
  state: FloorState;
  log: Logger;
  retryMs?: number;
  /**
   * After a bus outage, once every line's owner told its state again — or `resyncWaitMs`
   * after the bus came back, for lines without an owner meanwhile (their state is unknown
   * anyway).
   */
  onResynced?: () => void;
  /** Default 10 s. */
  resyncWaitMs?: number;
}): {
  stop(): void;
  /** Lines of a new plant version: those new are asked for a snapshot. */
  setPlant(plant: Plant): void;
} {
  const { bus, state, log } = options;
  let plant = options.plant;
  const retryMs = options.retryMs ?? 2000;
  const pending = new Set(plant.lines.map((l) => l.id));
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  /** Every line to ask again (after a bus outage), from the next round on. */
  let resync = false;
  /** When the bus came back, until `onResynced` was called. */
  let resyncSince: number | undefined;
  let stopped = false;

  async function round(): Promise<void> {
    timer = undefined;
    running = true;
    if (resync) for (const line of plant.lines) pending.add(line.id);
    resync = false;
    await Promise.all(
      [...pending].map(async (line) => {
        try {
          state.applySnapshot((await bus.command(lineOwner(line), { name: 'snapshot' }, retryMs)) as LineSnapshot);
          pending.delete(line);
        } catch (error) {
          log.debug({ line, err: error }, 'no snapshot of the line yet; asking again');
        }
      }),
    );
    running = false;
    if (stopped) return;
    if (resyncSince !== undefined && (pending.size === 0 || Date.now() - resyncSince >= (options.resyncWaitMs ?? 10_000))) {
      resyncSince = undefined;
      options.onResynced?.();
    }
    if (resync) void round();
    else if (pending.size > 0) timer = setTimeout(() => void round(), retryMs);
  }

  const offStatus = bus.onStatus((status) => {
    if (!status.connected) return;
    resync = true;
    resyncSince ??= Date.now();
    // A round under way starts another when it ends; else one starts now.
    if (running) return;
    clearTimeout(timer);
    void round();
  });
  void round();
  return {
    setPlant(next) {
      const known = new Set(plant.lines.map((l) => l.id));
      plant = next;
      const kept = new Set(next.lines.map((l) => l.id));
      for (const line of pending) if (!kept.has(line)) pending.delete(line);
      const added = next.lines.filter((l) => !known.has(l.id));
      if (added.length === 0) return;
      for (const line of added) pending.add(line.id);
      if (!running && !stopped) {
        clearTimeout(timer);
        void round();
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      offStatus();
    },
  };
}
