/**
 * The supervisor's id of a simulated connection's PLC process (also its row on the processes
 * page). Apart from schema.ts so pages can use it without bundling the plant schema (zod).
 */
export function simulatorProcessId(connectionId: string): string {
  return `sim-${connectionId}`;
}

/** What these helpers read of a connection (a parsed plant's, or a describe view's). */
interface ConnectionRef {
  id: string;
  simulated?: boolean;
  protocol?: string;
  path?: string;
}

/** Ids of the connections served by a simulated PLC (their endpoint is the simulator's, set at run time). */
export function simulatedConnectionIds(plant: { lines: readonly { connections: readonly ConnectionRef[] }[] }): Set<string> {
  return new Set(plant.lines.flatMap((l) => l.connections.filter((c) => c.simulated).map((c) => c.id)));
}

/**
 * The simulated connections of a line that own a simulator process, in plant order: each
 * simulated TCP connection (one process each), and the first connection of each simulated RTU
 * bus (one process serves every unit id on a `path`; its id is `simulatorProcessId` of that
 * first connection).
 */
export function simulatorOwnerIds(line: { connections: readonly ConnectionRef[] }): string[] {
  const buses = new Set<string>();
  const out: string[] = [];
  for (const c of line.connections) {
    if (!c.simulated) continue;
    if (c.protocol === 'rtu') {
      if (buses.has(c.path ?? '')) continue;
      buses.add(c.path ?? '');
    }
    out.push(c.id);
  }
  return out;
}
