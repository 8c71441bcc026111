import type { LeaseKeeperOptions } from '../../server/collector/lease-keeper.ts';

/**
 * Who works on each resource, as lease keepers' callbacks say. Double owners are recorded, not
 * thrown (a throw in a callback would only fail the keeper's round): each test checks `violations`.
 */
export function ownership() {
  const owner = new Map<string, string>();
  const events: string[] = [];
  const violations: string[] = [];
  const callbacks = (holder: string): Pick<LeaseKeeperOptions, 'onGained' | 'onLost'> => ({
    onGained(resource) {
      if (owner.has(resource)) violations.push(`${holder} started on ${resource} while ${owner.get(resource)} worked on it`);
      owner.set(resource, holder);
      events.push(`${holder}+${resource}`);
    },
    onLost(resource, reason) {
      if (owner.get(resource) !== holder) violations.push(`${holder} stopped ${resource}, held by ${owner.get(resource)}`);
      owner.delete(resource);
      events.push(`${holder}-${resource}:${reason}`);
    },
  });
  const of = (holder: string) => [...owner].filter(([, h]) => h === holder).map(([r]) => r);
  return { owner, events, violations, callbacks, of };
}
