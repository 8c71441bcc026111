import { createHub, type HubOptions } from '../hub/hub.ts';
import { BusNoOwnerError, BusTimeoutError, CommandError, defaultCommandTimeoutMs, toWireError, type CommandHandler, type LiveBus } from './live-bus.ts';

/**
 * The live bus of one process group (role `all`): a hub gives the ids, keeps the replay
 * window and fans out; commands call the owner's handler in this process. Always connected.
 */
export function createInProcessBus(options: HubOptions = {}): LiveBus {
  const hub = createHub(options);
  const handlers = new Map<string, CommandHandler>();
  const status = { connected: true, since: Date.now() };

  return {
    since: hub.since,
    lastId: hub.lastId,
    subscribe: hub.subscribe,
    subscriberCount: hub.subscriberCount,
    forget: hub.forget,
    publish: async (event, data) => hub.publish(event, data).id,
    async command(owner, request, timeoutMs = defaultCommandTimeoutMs) {
      const handler = handlers.get(owner);
      if (!handler) throw new BusNoOwnerError(owner);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BusTimeoutError(owner, timeoutMs)), timeoutMs);
      });
      try {
        // Through the same error shape as the Redis bus: a caller sees one kind of error either way.
        const answer = Promise.resolve()
          .then(async () => (await handler(request)) ?? null)
          .catch((error: unknown) => {
            throw new CommandError(toWireError(error));
          });
        return (await Promise.race([answer, timeout])) as never;
      } finally {
        clearTimeout(timer);
      }
    },
    async serve(owner, handler) {
      handlers.set(owner, handler);
      return async () => {
        if (handlers.get(owner) === handler) handlers.delete(owner);
      };
    },
    status: () => ({ ...status }),
    onStatus: () => () => {},
    async close() {
      handlers.clear();
    },
  };
}
