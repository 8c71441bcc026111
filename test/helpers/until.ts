/**
 * Polls `check` every `everyMs` until it gives a truthy value (returned), or throws naming
 * `what` after `ms`. For the multi-process tests, where what is awaited happens elsewhere.
 */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
