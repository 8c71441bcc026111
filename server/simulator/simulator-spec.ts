import { z } from 'zod';
import { plantSchema, scenarios, type Scenario, type TagConfig } from '../../lib/plant/schema.ts';
import { ConfigError } from '../../lib/errors.ts';
import { formatIssues } from '../plant/load-plant.ts';

/** What one simulated PLC serves: the tags of one simulated connection of a line. */
export interface SimulatorSpec {
  lineId: string;
  /** Interface to listen on; '127.0.0.1' for a simulator. */
  host: string;
  /** 0 = any free port (reported back in the `ready` message). */
  port: number;
  /** Unit id answered (0 and 255 are answered too). */
  unitId: number;
  scenario: Scenario;
  /** The connection's tags, defaults applied (as in a parsed plant). */
  tags: TagConfig[];
}

/** Parent → child: the one message the child waits for. */
export interface SimulatorStartMessage {
  type: 'start';
  spec: SimulatorSpec;
}

/** Child → parent, once the Modbus server listens. */
export interface SimulatorReadyMessage {
  type: 'ready';
  port: number;
}

const specShape = z.strictObject({
  lineId: z.string().min(1),
  host: z.string().min(1).max(253),
  port: z.number().int().min(0).max(65535),
  unitId: z.number().int().min(0).max(255),
  scenario: z.enum(scenarios),
  tags: z.array(z.unknown()).min(1),
});

/**
 * Validates a spec that crossed a process boundary. The tags are checked by the plant
 * schema itself (wrapped in a one-line, one-connection plant), so a simulator accepts
 * exactly the tags a plant file does. Throws a ConfigError listing every problem by path.
 */
export function parseSimulatorSpec(input: unknown): SimulatorSpec {
  const shape = specShape.safeParse(input);
  if (!shape.success) throw invalid(formatIssues(shape.error.issues));
  const plant = plantSchema.safeParse({
    name: 'simulator',
    lines: [{ id: shape.data.lineId, name: shape.data.lineId, connections: [{ id: 'sim', protocol: 'tcp', simulated: true, tags: shape.data.tags }] }],
  });
  if (!plant.success) {
    const unwrap = (p: string) => p.replace(/^lines\[0\]\.connections\[0\]\./, '').replace(/^lines\[0\]\.id/, 'lineId');
    throw invalid(formatIssues(plant.error.issues).map(unwrap));
  }
  return { ...shape.data, tags: plant.data.lines[0]!.connections[0]!.tags };
}

function invalid(problems: string[]): ConfigError {
  return new ConfigError(`simulator spec is invalid:\n  ${problems.join('\n  ')}`, { problems });
}
