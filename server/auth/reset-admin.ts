import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { Store } from '../storage/store.ts';
import { hashPassword } from './passwords.ts';

export interface ResetAdminInput {
  username: string;
  password: string;
  /** Who ran it, for the audit row (e.g. `root@plc-gw`). */
  by: string;
}

/**
 * Recovery when no one can administer any more (every admin demoted, disabled or locked out):
 * gives an existing user a new password and the admin role, enables it, ends its sessions,
 * and appends an audit row. Works on the database alone, so the server may be stopped; if it
 * runs, it sees the change within a second (its session cache).
 */
export async function resetAdmin(store: Store, input: ResetAdminInput): Promise<{ id: number; username: string }> {
  if (input.password.length < 10) throw new ValidationError('password must have at least 10 characters', { field: 'password' });
  const user = await store.users.byName(input.username);
  if (!user) throw new NotFoundError(`no user "${input.username}" (the command gives an existing user the admin role)`, { field: 'username' });
  const passwordHash = await hashPassword(input.password);
  await store.users.update(user.id, { role: 'admin', disabled: false, passwordHash });
  await store.sessions.deleteOfUser(user.id);
  await store.audit.append({
    ts: Date.now(),
    username: 'system',
    ip: '-',
    action: 'user.reset-admin',
    target: user.username,
    result: 'ok',
    detail: `role admin, enabled, password reset, sessions ended (reset-admin run by ${input.by}; was ${user.role}${user.disabled ? ', disabled' : ''})`,
  });
  return { id: user.id, username: user.username };
}
