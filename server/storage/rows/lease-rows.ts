import type { Lease } from '../store.ts';

export type LeaseRow = { resource: string; holder: string; token: number; expires_at: number };

export const toLease = (r: LeaseRow): Lease => ({ resource: r.resource, holder: r.holder, token: r.token, expiresAt: r.expires_at });

/** The columns a lease statement returns, in both engines. */
export const leaseColumns = 'resource, holder, token, expires_at';
