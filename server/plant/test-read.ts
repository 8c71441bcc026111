import { decode } from '../../lib/modbus/codec.ts';
import { planReads } from '../../lib/modbus/read-plan.ts';
import { registerCount, type ConnectionConfig } from '../../lib/plant/schema.ts';
import type { TestReadResult, TestReadTag } from '../../lib/plant/test-read-result.ts';

export type { TestReadResult, TestReadTag } from '../../lib/plant/test-read-result.ts';
import type { Endpoint } from '../poller/messages.ts';
import { ModbusReadError } from '../../lib/errors.ts';
import { openModbusSession, reasonOf, type ModbusSession } from '../poller/modbus-session.ts';
import { createRtuBuses } from '../poller/rtu-buses.ts';
import { describeTarget } from '../poller/rtu-links.ts';
import { openRtuSession, rtuTargetOf } from '../poller/rtu-session.ts';

/** A test read stops here whatever the connection's timeout and size: an admin is waiting. */
const MAX_TOTAL_MS = 15_000;

/**
 * Reads every tag of `connection` once, with the settings as given (not as running): the
 * editor's "Read now", before anything is saved. Its own socket or serial port, closed after;
 * the running poller of the connection, if any, is not touched (a PLC that allows one client
 * may refuse it). A serial port is opened exclusively: while the poller holds it, the answer
 * is `port busy` (its live values are the read).
 */
export async function testRead(connection: ConnectionConfig, endpoint: Endpoint | null): Promise<TestReadResult> {
  const started = performance.now();
  const blocks = planReads(connection);
  const result = (error: string | null, tags: TestReadTag[]): TestReadResult => ({
    connection: connection.id,
    durationMs: Math.round(performance.now() - started),
    error,
    tags: tags.sort((a, b) => a.area.localeCompare(b.area) || a.address - b.address),
  });
  const failedTag = (tag: ConnectionConfig['tags'][number], reason: string): TestReadTag => ({
    name: tag.name,
    area: tag.area,
    address: tag.address,
    type: tag.type,
    raw: null,
    value: null,
    quality: 'bad',
    reason,
  });
  const allFailed = (reason: string) =>
    result(
      reason,
      connection.tags.map((t) => failedTag(t, reason)),
    );
  if (connection.protocol === 'tcp' && !endpoint) return allFailed('no endpoint: the simulated PLC of this connection is not running');

  const deadline = AbortSignal.timeout(MAX_TOTAL_MS);
  const buses = createRtuBuses();
  let session: ModbusSession;
  try {
    session =
      connection.protocol === 'tcp'
        ? await openModbusSession(endpoint!, connection.unitId, connection.timeoutMs, deadline)
        : await openRtuSession(buses, connection, deadline);
  } catch (error) {
    const where = connection.protocol === 'tcp' ? `${endpoint!.host}:${endpoint!.port}` : describeTarget(rtuTargetOf(connection));
    const why = error instanceof ModbusReadError ? error.reason : reasonOf(error);
    const held = why === 'port busy' ? ' (the running poller holds it: its live values are the read)' : '';
    return allFailed(`cannot connect to ${where}: ${why}${held}`);
  }
  const tags: TestReadTag[] = [];
  const why = (error: unknown) => (error instanceof ModbusReadError ? error.reason : reasonOf(error));
  try {
    for (const block of blocks) {
      let words: number[];
      try {
        words = await session.read(block, deadline);
      } catch (error) {
        for (const { tag } of block.tags) tags.push(failedTag(tag, why(error)));
        continue;
      }
      for (const { tag, offset } of block.tags) {
        const raw = words.slice(offset, offset + (block.area === 'coil' || block.area === 'discrete' ? 1 : registerCount(tag.type)));
        try {
          tags.push({
            name: tag.name,
            area: tag.area,
            address: tag.address,
            type: tag.type,
            raw,
            value: decode(words, offset, tag),
            quality: 'good',
            reason: null,
          });
        } catch (error) {
          tags.push({ ...failedTag(tag, `decode error: ${(error as Error).message}`), raw });
        }
      }
    }
  } finally {
    session.destroy();
    await buses.close();
  }
  return result(null, tags);
}
