import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { EventName, HubEvent } from '../../lib/types.ts';
import { createHub } from '../hub/hub.ts';
import type { Logger } from '../log/logger.ts';
import { keepAsWireJson } from '../stream/frames.ts';
import { previousEventId, type EventId } from './event-id.ts';
import {
  BusNoOwnerError,
  BusTimeoutError,
  BusUnavailableError,
  CommandError,
  defaultCommandTimeoutMs,
  toWireError,
  type BusStatus,
  type CommandHandler,
  type CommandRequest,
  type LiveBus,
  type WireError,
} from './live-bus.ts';

export interface RedisBusOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  url: string;
  log: Logger;
  /** Prefix of every key and channel: installations (and tests) sharing one Redis keep apart. Default `lw:`. */
  keyPrefix?: string;
  /** Events kept for replay, ms: the stream is trimmed to it (approximately, never shorter). Default 60 000. */
  replayMs?: number;
  /** Events kept in this instance's replay window, at most. Default 20 000. */
  ringSize?: number;
  /** How long one `XREAD` blocks, ms (also how soon `close()` ends the reader). Default 2000. */
  blockMs?: number;
}

const eventNames: ReadonlySet<string> = new Set<EventName>(['sample', 'line', 'process', 'alarm', 'job', 'plant']);

interface CommandMessage {
  id: string;
  replyTo: string;
  request: CommandRequest;
}
type ReplyMessage = { id: string; ok: true; answer: unknown } | { id: string; ok: false; error: WireError };

/** Where the URL points, for messages: never its password. */
export const redisHost = (url: string): string => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
};

/**
 * The live bus on Redis (scale-out): events are entries of one Redis Stream (`XADD` with a
 * `MINID` trim as the replay window; ids are Redis's, so every instance sees the same ones),
 * read by each instance with `XREAD BLOCK` into its own hub, which streams replay from.
 * Commands travel by pub/sub: one channel per owner, one reply channel per instance;
 * nothing is queued for an owner that is not there.
 *
 * Three connections, each reconnecting by itself: commands (no offline queue, so a publish
 * during an outage fails at once instead of piling up), the blocking reader, the subscriber.
 */
export async function openRedisBus(options: RedisBusOptions): Promise<LiveBus> {
  const log = options.log.child({ part: 'bus' });
  const prefix = options.keyPrefix ?? 'lw:';
  const key = `${prefix}events`;
  const replayMs = options.replayMs ?? 60_000;
  const ringSize = options.ringSize ?? 20_000;
  const replyChannel = `${prefix}reply:${randomUUID()}`;
  const commandChannel = (owner: string) => `${prefix}cmd:${owner}`;
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 3000,
    // Back within a second or two once Redis is: never slower than that, never a tight loop.
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  };
  const writer = new Redis(options.url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const reader = new Redis(options.url, { ...base, maxRetriesPerRequest: null });
  const subscriber = new Redis(options.url, { ...base, maxRetriesPerRequest: null });

  let status: BusStatus = { connected: false, since: Date.now(), reason: 'connecting' };
  const statusListeners = new Set<(s: BusStatus) => void>();
  let lastError = 'connection closed';
  const setStatus = (connected: boolean) => {
    if (connected === status.connected) return;
    status = connected ? { connected, since: Date.now() } : { connected, since: Date.now(), reason: lastError };
    if (connected) log.info({ redis: redisHost(options.url) }, 'live bus connected');
    else log.error({ redis: redisHost(options.url), reason: lastError }, 'live bus unreachable; streams go on with what this instance has');
    for (const listener of statusListeners) listener({ ...status });
  };
  writer.on('ready', () => setStatus(true));
  writer.on('close', () => setStatus(false));
  for (const connection of [writer, reader, subscriber]) {
    connection.on('error', (error: Error) => {
      lastError = error.message;
    });
  }

  try {
    await Promise.all([writer.connect(), reader.connect(), subscriber.connect()]);
  } catch (error) {
    for (const connection of [writer, reader, subscriber]) connection.disconnect();
    throw new BusUnavailableError(`cannot connect to Redis at ${redisHost(options.url)}: ${(error as Error).message}`, { cause: error });
  }

  // This instance's replay window starts with what the stream still holds of the last
  // `replayMs`: a browser that moves here from another instance resumes where it was.
  const [seconds, micros] = (await writer.time()) as unknown as [string, string];
  const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const recent = (await writer.xrevrange(key, '+', String(redisNow - replayMs), 'COUNT', ringSize)).reverse();
  const newest = recent.length > 0 ? undefined : (await writer.xrevrange(key, '+', '-', 'COUNT', 1))[0];
  const floorId = recent.length > 0 ? previousEventId(recent[0]![0]) : (newest?.[0] ?? previousEventId(`${redisNow}-0`));
  const hub = createHub({ floorId, ringSize, replayMs, keep: keepAsWireJson });
  let lastRead: EventId = floorId;

  function append(id: string, fields: string[]): void {
    lastRead = id;
    const event = fields[1];
    const json = fields[3];
    if (fields[0] !== 'e' || fields[2] !== 'd' || event === undefined || json === undefined || !eventNames.has(event)) {
      log.warn({ id, fields: fields.slice(0, 4).map((f) => f.slice(0, 40)) }, 'skipped a live-bus entry this version does not know');
      return;
    }
    const e = keepAsWireJson.unpack(id, event as EventName, json) as HubEvent;
    hub.append(e.id, e.event, e.data as never);
  }
  for (const [id, fields] of recent) append(id, fields);

  let closed = false;
  const readLoop = (async () => {
    while (!closed) {
      try {
        const got = await reader.xread('COUNT', 1000, 'BLOCK', options.blockMs ?? 2000, 'STREAMS', key, lastRead);
        for (const [id, fields] of got?.[0]?.[1] ?? []) append(id, fields);
      } catch (error) {
        if (closed) return;
        log.debug({ err: error }, 'live-bus read failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();

  // Commands: the owners this instance serves, and the answers it waits for.
  const handlers = new Map<string, CommandHandler>();
  const pending = new Map<string, { resolve(answer: unknown): void; reject(error: Error): void }>();
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === replyChannel) return void onReply(message);
    const owner = channel.slice(`${prefix}cmd:`.length);
    const handler = handlers.get(owner);
    if (handler) void onCommand(handler, message);
  });
  await subscriber.subscribe(replyChannel);

  function onReply(message: string): void {
    const reply = JSON.parse(message) as ReplyMessage;
    const waiting = pending.get(reply.id);
    if (!waiting) return; // timed out meanwhile, or a second server of the same owner answered too
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.answer);
    else waiting.reject(new CommandError(reply.error));
  }

  async function onCommand(handler: CommandHandler, message: string): Promise<void> {
    let command: CommandMessage;
    try {
      command = JSON.parse(message) as CommandMessage;
    } catch {
      return void log.warn({ message: message.slice(0, 80) }, 'skipped a command that is not JSON');
    }
    let reply: ReplyMessage;
    try {
      reply = { id: command.id, ok: true, answer: (await handler(command.request)) ?? null };
    } catch (error) {
      reply = { id: command.id, ok: false, error: toWireError(error) };
    }
    try {
      await writer.publish(command.replyTo, JSON.stringify(reply));
    } catch (error) {
      // The caller times out: it cannot tell a lost answer from a lost command.
      log.warn({ err: error, command: command.request.name }, 'could not send a command answer');
    }
  }

  /** Runs a command on the writer connection; an outage becomes a `BusUnavailableError`. */
  async function write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new BusUnavailableError((error as Error).message, { cause: error });
    }
  }

  return {
    since: hub.since,
    lastId: hub.lastId,
    subscribe: hub.subscribe,
    subscriberCount: hub.subscriberCount,
    forget: hub.forget,
    async publish(event, data) {
      const json = keepAsWireJson.pack({ id: '', event, data } as HubEvent);
      // `~`: Redis trims whole nodes only, so the stream keeps at least `replayMs` at little cost.
      const id = await write(() => writer.xadd(key, 'MINID', '~', String(Date.now() - replayMs), '*', 'e', event, 'd', json));
      return id!;
    },
    async command(owner, request, timeoutMs = defaultCommandTimeoutMs) {
      const id = randomUUID();
      const answer = new Promise<never>((resolve, reject) => pending.set(id, { resolve, reject }));
      let timer: NodeJS.Timeout | undefined;
      try {
        const message: CommandMessage = { id, replyTo: replyChannel, request };
        const receivers = await write(() => writer.publish(commandChannel(owner), JSON.stringify(message)));
        if (receivers === 0) throw new BusNoOwnerError(owner);
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new BusTimeoutError(owner, timeoutMs)), timeoutMs);
        });
        return await Promise.race([answer, timeout]);
      } finally {
        clearTimeout(timer);
        pending.delete(id);
      }
    },
    async serve(owner, handler) {
      handlers.set(owner, handler);
      await subscriber.subscribe(commandChannel(owner));
      return async () => {
        if (handlers.get(owner) !== handler) return;
        handlers.delete(owner);
        await subscriber.unsubscribe(commandChannel(owner)).catch(() => {});
      };
    },
    status: () => ({ ...status }),
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      statusListeners.clear();
      for (const { reject } of pending.values()) reject(new BusUnavailableError('closed'));
      pending.clear();
      // Not `quit()`: nothing is waited for (a publish in flight fails as in an outage).
      for (const connection of [reader, writer, subscriber]) connection.disconnect();
      await readLoop;
    },
  };
}
