import type { Plant } from '../../lib/plant/schema.ts';
import { parsePlant } from '../../server/plant/load-plant.ts';

/** Periods of the ramps on the first line: each raises and clears its HI alarm once a period. */
const rampPeriodsS = [1, 2, 3];

/**
 * The store-and-forward test and bench plant: `plcs` lines `saf-0…`, one simulated PLC each
 * with `tags` float32 analog tags polled every `scanMs` (plcs × tags × 1000 / scanMs samples/s),
 * and on the first line ramps 0 → 100 with a HI alarm at 50, so alarms change all the time.
 */
export function spoolPlant(options: { plcs: number; tags: number; scanMs: number }): { plant: Plant; rampAlarms: string[] } {
  const plant = parsePlant({
    name: 'store-and-forward',
    lines: Array.from({ length: options.plcs }, (_, p) => ({
      id: `saf-${p}`,
      name: `SAF ${p}`,
      simulation: { autoStart: true, scenario: 'normal' },
      connections: [
        {
          id: `saf-${p}-plc`,
          protocol: 'tcp',
          port: 0,
          simulated: true,
          scanMs: options.scanMs,
          tags: [
            ...Array.from({ length: options.tags }, (_, i) => ({
              name: `t${i}`,
              area: 'holding',
              address: i * 2,
              type: 'float32',
              sim: { model: 'analog', nominal: 100 + i, noise: 0.5 },
            })),
            ...(p === 0
              ? rampPeriodsS.map((periodS, i) => ({
                  name: `ramp${i}`,
                  area: 'holding',
                  address: options.tags * 2 + i * 2,
                  type: 'float32',
                  sim: { model: 'ramp', min: 0, max: 100, periodS },
                  alarms: { hi: { limit: 50 } },
                }))
              : []),
          ],
        },
      ],
    })),
  });
  return { plant, rampAlarms: rampPeriodsS.map((_, i) => `saf-0.ramp${i}.hi`) };
}
