import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import { plantSchema, type Scenario, type SerialSettings, scenarios, type TagConfig } from '../../lib/plant/schema.ts';
import { formatIssues } from '../plant/load-plant.ts';

/**
 * What one simulated RTU bus serves: the simulated connections (unit ids) of one line on one
 * `path`, on a pseudo-terminal pair linked in `dir` (server/simulation/simulated-buses.ts).
 */
export interface RtuBusSpec {
  kind: 'rtu';
  lineId: string;
  /** The bus as the plant names it (shown in the process output; nothing is opened there). */
  busPath: string;
  /** Directory of the pty links; made when missing. */
  dir: string;
  /** Base name of the links: `<dir>/<name>-poller` (the poller's end), `<dir>/<name>-device`. */
  name: string;
  /** Line settings; they set the simulated devices' frame gap. */
  settings: Omit<SerialSettings, 'path'>;
  scenario: Scenario;
  /** One device per unit id, with its connection's tags (defaults applied). */
  devices: { unitId: number; tags: TagConfig[] }[];
}

const specShape = z.strictObject({
  kind: z.literal('rtu'),
  lineId: z.string().min(1),
  busPath: z.string().min(1).max(200),
  dir: z.string().min(1),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  settings: z.strictObject({ baudRate: z.number(), parity: z.string(), dataBits: z.number(), stopBits: z.number() }),
  scenario: z.enum(scenarios),
  devices: z.array(z.strictObject({ unitId: z.number(), tags: z.array(z.unknown()) })).min(1),
});

/**
 * Validates a bus spec that crossed a process boundary. Settings, unit ids and tags are checked
 * by the plant schema itself (the devices as simulated RTU connections of a one-line plant), so a
 * bus accepts exactly what a plant file does. Throws a ConfigError listing every problem by path.
 */
export function parseRtuBusSpec(input: unknown): RtuBusSpec {
  const shape = specShape.safeParse(input);
  if (!shape.success) throw invalid(formatIssues(shape.error.issues));
  const s = shape.data;
  const plant = plantSchema.safeParse({
    name: 'simulator',
    lines: [
      {
        id: s.lineId,
        name: s.lineId,
        connections: s.devices.map((d) => ({ id: `unit-${d.unitId}`, protocol: 'rtu', path: s.busPath, ...s.settings, simulated: true, ...d })),
      },
    ],
  });
  if (!plant.success) {
    const unwrap = (p: string) => p.replace(/^lines\[0\]\.connections\[(\d+)\]\./, 'devices[$1].').replace(/^lines\[0\]\.id/, 'lineId');
    throw invalid(formatIssues(plant.error.issues).map(unwrap));
  }
  const connections = plant.data.lines[0]!.connections;
  const first = connections[0]!;
  if (first.protocol !== 'rtu') throw invalid(['devices: not RTU']);
  const { baudRate, parity, dataBits, stopBits } = first;
  return { ...s, settings: { baudRate, parity, dataBits, stopBits }, devices: connections.map((c) => ({ unitId: c.unitId, tags: c.tags })) };
}

function invalid(problems: string[]): ConfigError {
  return new ConfigError(`simulated RTU bus spec is invalid:\n  ${problems.join('\n  ')}`, { problems });
}
