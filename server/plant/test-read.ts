import { decode } from '../../lib/modbus/codec.ts';
import { planReads } from '../../lib/modbus/read-plan.ts';
import { registerCount, type ConnectionConfig } from '../../lib/plant/schema.ts';
import type { TestReadResult, TestReadTag } from '../../lib/plant/test-read-result.ts';

export type { TestReadResult, TestReadTag } from '../../lib/plant/test-read-result.ts';
import type { Endpoint } from '../poller/messages.ts';
import { ModbusReadError } from '../../lib/errors.ts';
import { openModbusSession, reasonOf, type ModbusSession } from '../poller/modbus-session.ts';

/** A test read stops here whatever the connection's timeout and size: an admin is waiting. */
const MAX_TOTAL_MS = 15_000;

/**
 * Reads every tag of `connection` once, with the settings as given (not as running): the
 * editor's "Read now", before anything is saved. Its own socket, closed after; the running
 * poller of the connection, if any, is not touched (a PLC that allows one client may refuse it).
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
  if (connection.protocol !== 'tcp') return allFailed('rtu not supported yet');
  if (!endpoint) return allFailed('no endpoint: the simulated PLC of this connection is not running');

  const deadline = AbortSignal.timeout(MAX_TOTAL_MS);
  let session: ModbusSession;
  try {
    session = await openModbusSession(endpoint, connection.unitId, connection.timeoutMs, deadline);
  } catch (error) {
    return allFailed(`cannot connect to ${endpoint.host}:${endpoint.port}: ${error instanceof ModbusReadError ? error.reason : reasonOf(error)}`);
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
  }
  return result(null, tags);
}
