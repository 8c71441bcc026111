/**
 * JSON of an event payload, computed once however many clients receive it: fan-out to M
 * clients must not stringify the same payload M times. Keyed by the payload object, so the
 * cache goes away with the event.
 */
const cache = new WeakMap<object, string>();

export function payloadJson(data: unknown): string {
  if (typeof data !== 'object' || data === null) return JSON.stringify(data);
  let json = cache.get(data);
  if (json === undefined) {
    json = JSON.stringify(data);
    cache.set(data, json);
  }
  return json;
}
