import type { WritableConfig } from './schema.ts';

/**
 * The rules of writing a setpoint (issue 21), in one place for the server (which enforces
 * them: server/writes/tag-writer.ts) and the line page (which refuses before sending:
 * lib/client/tag-write.ts). Pure.
 */

/** What a user or a script asks: the new value (engineering units; bool commands 0/1 or true/false) and, where the tag asks for it, `confirm: true`. */
export interface WriteInput {
  value: number | boolean;
  confirm?: boolean;
}

/** The answer of `POST /api/tags/{id}/write`: sent and read back with the value asked for (`confirmed`), or not. */
export interface WriteOutcome {
  tag: string;
  previous: number | null;
  requested: number;
  /** The value read after the write; null for a momentary command (it is back at 0 by design) or no read in time. */
  readBack: number | null;
  outcome: 'confirmed' | 'not-confirmed';
  /** For the user: `confirmed`, `not confirmed: PLC shows 185.0 °C`, `pulse sent (500 ms)`. */
  message: string;
}

/** Which limit a numeric value breaks, or null: below `min`, above `max`, or off the `step` grid (counted from `min`, or 0). */
export function limitBroken(value: number, w: Pick<WritableConfig, 'min' | 'max' | 'step'>): { rule: 'min' | 'max' | 'step'; limit: number } | null {
  if (w.min !== undefined && value < w.min) return { rule: 'min', limit: w.min };
  if (w.max !== undefined && value > w.max) return { rule: 'max', limit: w.max };
  if (w.step !== undefined) {
    const steps = (value - (w.min ?? 0)) / w.step;
    if (Math.abs(steps - Math.round(steps)) > 1e-9) return { rule: 'step', limit: w.step };
  }
  return null;
}
