import type { AuditEntry, Role, SessionRecord, UserRecord } from '../store.ts';
import { flag } from './values.ts';

/** A row of `users`. */
export type UserRow = {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  disabled: boolean | number;
  kiosk: boolean | number;
  created_at: number;
};

export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role,
  disabled: flag(r.disabled),
  kiosk: flag(r.kiosk),
  createdAt: r.created_at,
});

/** A row of `sessions`. */
export type SessionRow = { id_hash: string; user_id: number; created_at: number; last_seen_at: number; ip: string; user_agent: string };

export const toSession = (r: SessionRow): SessionRecord => ({
  idHash: r.id_hash,
  userId: r.user_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  ip: r.ip,
  userAgent: r.user_agent,
});

/** A row of `audit`: its columns are the entry's fields, and `write_key` (the entry's `key`). */
export type AuditRow = Omit<AuditEntry, 'key'> & { id: number; write_key: string | null };

/** The key only keeps a row from being written twice: not part of what is read. */
export const toAuditEntry = ({ write_key: _, ...r }: AuditRow): AuditEntry => ({ ...r });
