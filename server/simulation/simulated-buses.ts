import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import type { Plant, RtuConnectionConfig } from '../../lib/plant/schema.ts';

/**
 * Where a simulated RTU bus lives. The plant's `path` of a simulated bus is only its name:
 * the app never opens, creates or replaces anything at it (a plant that says `/dev/ttyUSB0`
 * keeps that port untouched, and switching `simulated` off polls the real port again). The
 * bus is a pseudo-terminal pair (socat) linked in the server's own `serial` directory under
 * the data dir: `<dir>/<name>-poller`, the end the poller opens as it would a serial port,
 * and `<dir>/<name>-device`, the end the simulated devices answer on. `name` is the path made
 * file-safe plus a hash of it, so two paths never share a bus and two servers (own data
 * dirs) never share a link.
 */
export interface SimulatedBusLinks {
  /** Base name of the links in `dir`. */
  name: string;
  /** What the poller opens. */
  poller: string;
  /** What the simulated devices serve on. */
  device: string;
}

/** The links of the simulated bus a plant names `path`, in `dir` (`<dataDir>/serial`). */
export function simulatedBusLinks(dir: string, path: string): SimulatedBusLinks {
  const readable = path
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(-48);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 8);
  const name = readable ? `${readable}-${hash}` : hash;
  return { name, poller: join(dir, `${name}-poller`), device: join(dir, `${name}-device`) };
}

/** One simulated RTU bus of a line: the connections (unit ids) on one `path`. */
export interface SimulatedBus {
  lineId: string;
  /** The bus as the plant names it. */
  path: string;
  /** Its supervisor process id: the first connection's (see `simulatorOwnerIds`). */
  processId: string;
  connections: RtuConnectionConfig[];
}

/** Every simulated RTU bus of a plant, in plant order. */
export function simulatedBuses(plant: Plant): SimulatedBus[] {
  const out: SimulatedBus[] = [];
  for (const line of plant.lines) {
    const byPath = new Map<string, SimulatedBus>();
    for (const c of line.connections) {
      if (c.protocol !== 'rtu' || !c.simulated) continue;
      const bus = byPath.get(c.path);
      if (bus) {
        bus.connections.push(c);
        continue;
      }
      // The schema keeps a simulated bus in one line: its first connection here owns it (as `simulatorOwnerIds` says).
      const made = { lineId: line.id, path: c.path, processId: simulatorProcessId(c.id), connections: [c] };
      byPath.set(c.path, made);
      out.push(made);
    }
  }
  return out;
}

type Connection = Plant['lines'][number]['connections'][number];

/** A connection as the poller (and a test read) must see it: a simulated RTU one opens its bus's poller end in `dir`. */
export function pollerConnection<C extends Connection>(c: C, dir: string): C {
  return c.protocol === 'rtu' && c.simulated ? { ...c, path: simulatedBusLinks(dir, c.path).poller } : c;
}

/** The plant as the poller must see it (`pollerConnection` for each); the same object when it has no simulated RTU bus. */
export function withSimulatedBusPaths(plant: Plant, dir: string): Plant {
  if (!plant.lines.some((l) => l.connections.some((c) => c.protocol === 'rtu' && c.simulated))) return plant;
  return { ...plant, lines: plant.lines.map((l) => ({ ...l, connections: l.connections.map((c) => pollerConnection(c, dir)) })) };
}
