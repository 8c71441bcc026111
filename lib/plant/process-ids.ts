/**
 * The supervisor's id of a simulated connection's PLC process (also its row on the processes
 * page). Apart from schema.ts so pages can use it without bundling the plant schema (zod).
 */
export function simulatorProcessId(connectionId: string): string {
  return `sim-${connectionId}`;
}
