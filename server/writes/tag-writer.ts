import { encode } from '../../lib/modbus/codec.ts';
import { ConflictError, LimitError, ModbusReadError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { tagId, type ConnectionConfig, type Plant, type TagConfig, type WritableConfig } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { limitBroken, type WriteInput, type WriteOutcome } from '../../lib/plant/write-rules.ts';
import type { Actor } from '../auth/audited.ts';
import type { WriteRequest } from '../poller/messages.ts';
import type { AuditEntry } from '../storage/store.ts';

export type { WriteInput, WriteOutcome } from '../../lib/plant/write-rules.ts';

export interface TagWriterOptions {
  plant(): Plant;
  /** The current sample of a tag (the live state's). */
  value(tag: string): Sample | undefined;
  /** Sends an encoded write on the connection's socket (the poller's, between two reads); resolves with when the PLC answered (epoch ms, the clock of batches' `readAt`). */
  send(connection: string, request: WriteRequest): Promise<number>;
  audit(entry: Omit<AuditEntry, 'ts'>): void;
  now?: () => number;
}

export interface TagWriter {
  /**
   * Checks, encodes, sends, then waits up to two scans for the read-back; one audit row with
   * who, tag, old, requested, read-back and outcome. Refused (nothing sent): 404 unknown tag,
   * 400 not writable / value outside the limits / confirmation missing (naming the field),
   * 409 quality not good or connection lost (with the reason), 429 written too recently.
   */
  write(tag: string, input: WriteInput, actor: Actor): Promise<WriteOutcome>;
  /** Every sample batch polled (the read-backs come from them). */
  onBatch(batch: { readAt: number; samples: readonly Sample[] }): void;
}

/** Where a tag of the plant is, and how it may be written; NotFoundError (naming `id`) for an unknown tag. */
export function writableTag(plant: Plant, id: string): { line: string; connection: ConnectionConfig; tag: TagConfig; writable?: WritableConfig } {
  for (const line of plant.lines) {
    for (const connection of line.connections) {
      for (const tag of connection.tags) if (tagId(line.id, tag.name) === id) return { line: line.id, connection, tag, writable: tag.writable };
    }
  }
  throw new NotFoundError(`no tag "${id}"`, { field: 'id' });
}

/** The engineering value as a number (bool commands: 0 or 1), checked against the tag's limits; ValidationError naming `value`. */
export function checkedValue(tag: TagConfig, w: WritableConfig, input: WriteInput['value']): number {
  const unit = tag.unit ? ` ${tag.unit}` : '';
  if (tag.type === 'bool') {
    if (input === true || input === 1) return 1;
    if (input === false || input === 0) return 0;
    throw new ValidationError('value must be 0 or 1 (or true/false) for a command', { field: 'value' });
  }
  if (typeof input !== 'number' || !Number.isFinite(input)) throw new ValidationError('value must be a finite number', { field: 'value' });
  const broken = limitBroken(input, w);
  if (broken?.rule === 'min') throw new ValidationError(`value must be at least ${broken.limit}${unit} (the tag's minimum)`, { field: 'value' });
  if (broken?.rule === 'max') throw new ValidationError(`value must be at most ${broken.limit}${unit} (the tag's maximum)`, { field: 'value' });
  if (broken?.rule === 'step') throw new ValidationError(`value must be in steps of ${broken.limit}${unit} from ${w.min ?? 0}`, { field: 'value' });
  return input;
}

/** The write for a value: registers in the tag's type and word order, a coil, or one bit of a holding register. */
export function writeRequestOf(tag: TagConfig, value: number): WriteRequest {
  if (tag.type !== 'bool') return { area: 'holding', address: tag.address, values: encode(value, tag) };
  if (tag.area === 'coil') return { area: 'coil', address: tag.address, values: [value] };
  return { area: 'holding', address: tag.address, bit: tag.bit ?? 0, on: value !== 0 };
}

/** How far a read-back may be from the value asked for and still be it: the tag's resolution. */
export function readBackTolerance(tag: TagConfig, requested: number): number {
  if (tag.type === 'bool') return 0;
  const shown = 0.5 * 10 ** -tag.decimals;
  const quantum = tag.type === 'float32' ? Math.abs(requested) * 1e-6 : Math.abs(tag.scale) / 2;
  return Math.max(shown, quantum);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes to PLCs the way a careful HMI does (issue 21): refused unless the tag is writable, the
 * value within its limits, its quality good and the last write of it long enough ago; sent on
 * the connection that polls it; confirmed by reading it back.
 */
export function createTagWriter(options: TagWriterOptions): TagWriter {
  const now = options.now ?? Date.now;
  const lastWrite = new Map<string, number>();
  /** Read-backs awaited: good reads of `tag` seen since the write was sent, kept until its answer says which came after it. */
  const waiters = new Set<{ tag: string; reads: { readAt: number; sample: Sample }[] }>();

  /** The first good read of `tag` replied after `answeredAt` (the write's answer), within `timeoutMs`. */
  async function readAfter(
    waiter: { tag: string; reads: { readAt: number; sample: Sample }[] },
    answeredAt: number,
    timeoutMs: number,
  ): Promise<Sample | undefined> {
    const deadline = now() + timeoutMs;
    try {
      for (;;) {
        const found = waiter.reads.find((r) => r.readAt > answeredAt);
        if (found || now() >= deadline) return found?.sample;
        await sleep(Math.min(20, Math.max(1, deadline - now())));
      }
    } finally {
      waiters.delete(waiter);
    }
  }

  async function send(connection: string, request: WriteRequest): Promise<number> {
    try {
      return await options.send(connection, request);
    } catch (error) {
      const reason = error instanceof ModbusReadError ? error.reason : (error as Error).message;
      throw new ConflictError(`the PLC did not take the write: ${reason}`, { field: 'id', cause: error });
    }
  }

  return {
    async write(id, input, actor) {
      const { connection, tag, writable } = writableTag(options.plant(), id);
      if (!writable) throw new ValidationError(`tag "${id}" is not writable`, { field: 'id' });
      const requested = checkedValue(tag, writable, input.value);
      if (writable.confirm && input.confirm !== true) {
        throw new ValidationError(`tag "${id}" asks for a confirmation: send "confirm": true once the user confirmed`, { field: 'confirm' });
      }
      const current = options.value(id);
      if (current?.quality !== 'good') {
        const why = current ? `${current.quality}${current.reason ? ` (${current.reason})` : ''}` : 'not read yet';
        throw new ConflictError(`tag "${id}" is ${why}: nothing is written to a PLC whose value cannot be vouched for`, { field: 'id' });
      }
      const at = now();
      const since = at - (lastWrite.get(id) ?? Number.NEGATIVE_INFINITY);
      if (since < writable.minIntervalMs) {
        throw new LimitError(`tag "${id}" was written ${Math.round(since)} ms ago: wait ${Math.ceil((writable.minIntervalMs - since) / 100) / 10} s`, {
          field: 'id',
        });
      }
      lastWrite.set(id, at);
      const unit = tag.unit ? ` ${tag.unit}` : '';
      const previous = current.value;
      const audit = (result: string, detail: string) =>
        options.audit({
          username: actor.username,
          ip: actor.ip,
          action: 'tag.write',
          target: id,
          result,
          detail: `${previous ?? '–'} → ${requested}${unit}; ${detail}`,
        });

      let outcome: WriteOutcome;
      // Watching before sending: the read-back may be relayed before the write's answer.
      const waiter = { tag: id, reads: [] as { readAt: number; sample: Sample }[] };
      waiters.add(waiter);
      try {
        const answeredAt = await send(connection.id, writeRequestOf(tag, requested));
        if (writable.pulseMs !== undefined && tag.type === 'bool') {
          await sleep(writable.pulseMs);
          await send(connection.id, writeRequestOf(tag, requested ? 0 : 1));
          outcome = { tag: id, previous, requested, readBack: null, outcome: 'confirmed', message: `pulse sent (${writable.pulseMs} ms)` };
        } else {
          // Within two scans: the poller reads the written block at once, a slow PLC may lag one scan.
          const scanMs = tag.scanMs ?? connection.scanMs;
          const read = await readAfter(waiter, answeredAt, 2 * scanMs + connection.timeoutMs);
          const readBack = read?.value ?? null;
          const confirmed = readBack !== null && Math.abs(readBack - requested) <= readBackTolerance(tag, requested);
          const shown = readBack === null ? 'no value read back in time' : `PLC shows ${readBack.toFixed(tag.type === 'bool' ? 0 : tag.decimals)}${unit}`;
          outcome = {
            tag: id,
            previous,
            requested,
            readBack,
            outcome: confirmed ? 'confirmed' : 'not-confirmed',
            message: confirmed ? 'confirmed' : `not confirmed: ${shown}`,
          };
        }
      } catch (error) {
        audit(`failed: ${(error as Error).message}`, 'not written');
        throw error;
      } finally {
        waiters.delete(waiter);
      }
      audit(outcome.outcome === 'confirmed' ? 'ok' : 'not confirmed', outcome.readBack === null ? outcome.message : `read back ${outcome.readBack}${unit}`);
      return outcome;
    },
    onBatch({ readAt, samples }) {
      if (waiters.size === 0) return;
      for (const s of samples) {
        if (s.quality !== 'good') continue;
        for (const w of waiters) if (w.tag === s.tag) w.reads.push({ readAt, sample: s });
      }
    },
  };
}
