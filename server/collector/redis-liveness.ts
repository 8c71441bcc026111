import { Redis } from 'ioredis';
import { BusUnavailableError } from '../bus/live-bus.ts';
import { redisHost } from '../bus/redis-bus.ts';
import type { Logger } from '../log/logger.ts';
import type { LivenessStore } from './liveness.ts';

export interface RedisLivenessOptions {
  /** `redis://[user:password@]host:port[/db]`: the live bus's. */
  url: string;
  /** Prefix of the keys (`<prefix>alive:<holder>`): the live bus's. Default `lw:`. */
  keyPrefix?: string;
  log: Logger;
  /** A command not answered within this is failed, ms. Default 1000. */
  commandTimeoutMs?: number;
}

export interface RedisLiveness extends LivenessStore {
  close(): Promise<void>;
}

/**
 * The canary (`<prefix>alive`, no expiry): `<run id> <ms>`, the Redis server's run id and the
 * time (its clock) since which it has held the liveness keys unbroken. Missing (a restart
 * without persistence, a flush) or with another run id (a restart, a fail-over): keys may
 * have been lost, and it starts again now. Both scripts keep it (KEYS[2], ARGV[1] the run id)
 * and answer how long it has been unbroken, ms. It lasts an hour after the last use (no
 * collector for that long: a lease time's wait at the next start, nothing worse).
 */
const canary = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local c = redis.call('GET', KEYS[2])
local sep = c and string.find(c, ' ', 1, true)
local unbroken = 0
if sep and string.sub(c, 1, sep - 1) == ARGV[1] then unbroken = now - tonumber(string.sub(c, sep + 1))
else redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. now) end
redis.call('PEXPIRE', KEYS[2], 3600000)
`;
// A holder's key is a hash: e, its epoch; w, the resources it works on, one a line.
// Keeps the epoch ARGV[2] if the key holds it, else starts ARGV[3] (see LivenessStore.refresh).
const refreshScript = `${canary}
local kept = redis.call('HGET', KEYS[1], 'e') == ARGV[2]
if not kept then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'e', kept and ARGV[2] or ARGV[3], 'w', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return kept and 1 or 0`;
// 1: the key lists ARGV[3], or is missing within ARGV[2] ms of a loss of keys; 0: it does not.
const mayWorkOnScript = `${canary}
local w = redis.call('HGET', KEYS[1], 'w')
if w then
  for r in string.gmatch(w, '[^\\n]+') do if r == ARGV[3] then return 1 end end
  return 0
end
if unbroken < tonumber(ARGV[2]) then return 1 end
return 0`;
const removeScript = `if redis.call('HGET', KEYS[1], 'e') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Collectors' liveness keys on Redis, on a connection of their own (reconnecting as the bus's
 * do). No offline queue and a command timeout: a refresh during an outage fails at once
 * rather than landing late, and never holds up a lease round.
 */
export async function openRedisLiveness(options: RedisLivenessOptions): Promise<RedisLiveness> {
  const log = options.log.child({ part: 'liveness' });
  const prefix = options.keyPrefix ?? 'lw:';
  const key = (holder: string) => `${prefix}alive:${holder}`;
  const canaryKey = `${prefix}alive`;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: 3000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
  });
  // Without a listener an error event would end the process; the keeper logs what fails.
  redis.on('error', (error: Error) => log.debug({ err: error }, 'liveness connection error'));
  // The server's run id, asked again on each connection (it may be another server now).
  let runId: string | undefined;
  redis.on('ready', () => {
    runId = undefined;
  });
  const serverRunId = async () => {
    runId ??= /run_id:(\w+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
    return runId;
  };
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new BusUnavailableError(`cannot connect to Redis at ${redisHost(options.url)}: ${(error as Error).message}`, { cause: error });
  }
  return {
    async refresh(holder, expected, next, ttlMs, working) {
      const args = [await serverRunId(), expected ?? '', next, String(Math.ceil(ttlMs)), working.join('\n')];
      return (await redis.eval(refreshScript, 2, key(holder), canaryKey, ...args)) === 1;
    },
    async mayWorkOn(holder, resource, ttlMs) {
      return (await redis.eval(mayWorkOnScript, 2, key(holder), canaryKey, await serverRunId(), String(Math.ceil(ttlMs)), resource)) === 1;
    },
    async remove(holder, value) {
      await redis.eval(removeScript, 1, key(holder), value);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
