import type { WriteFence } from '../store.ts';

/** The highest token per resource among `fences`, in resource order (two writers then lock fence rows in the same order). */
export function highestTokens(fences: readonly WriteFence[]): [resource: string, token: number][] {
  const highest = new Map<string, number>();
  for (const { resource, token } of fences) highest.set(resource, Math.max(token, highest.get(resource) ?? token));
  return [...highest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether a write under `fence` goes ahead, given each resource's fence once claimed: not when
 * a newer token holds it (a former owner's write). Unfenced writes (role `all`) always do.
 */
export const withinFence = (fence: WriteFence | undefined, claimed: ReadonlyMap<string, number>): boolean =>
  fence === undefined || (claimed.get(fence.resource) ?? 0) <= fence.token;
