/**
 * The supervisor's id of a simulated connection's PLC process (also its row on the processes
 * page). Apart from schema.ts so pages can use it without bundling the plant schema (zod).
 */
export function simulatorProcessId(connectionId: string): string {
  return `sim-${connectionId}`;
}

/** Ids of the connections served by a simulated PLC (their endpoint is the simulator's, set at run time). */
export function simulatedConnectionIds(plant: { lines: readonly { connections: readonly { id: string; simulated?: boolean }[] }[] }): Set<string> {
  return new Set(plant.lines.flatMap((l) => l.connections.filter((c) => c.simulated).map((c) => c.id)));
}
