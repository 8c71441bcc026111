'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import useSWR from 'swr';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { type Confirmation, ConfirmDialog } from '../../_components/confirm-dialog.tsx';

type Role = 'viewer' | 'operator' | 'admin';
interface User {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  kiosk: boolean;
  createdAt: number;
}

const roles: Role[] = ['viewer', 'operator', 'admin'];

/** What a role lets its user do: said before the change is made. */
const roleRights: Record<Role, string> = {
  viewer: 'can only watch: no acknowledging, no simulations, no setpoints or commands',
  operator: 'can acknowledge and shelve alarms, start and stop simulations and send setpoints and commands, but not configure',
  admin: 'can configure the plant, manage users (you included) and read the audit log',
};

/** A change waiting for its confirmation. */
type Pending = { kind: 'role'; user: User; role: Role } | { kind: 'disable'; user: User };

/** `an operator`, `a viewer`. */
const aRole = (role: Role) => `${role === 'viewer' ? 'a' : 'an'} ${role}`;

function confirmationOf(p: Pending): Confirmation {
  const name = p.user.username;
  if (p.kind === 'role') {
    return {
      title: `Make ${name} ${aRole(p.role)}?`,
      body: (
        <>
          <p>
            {name} is {aRole(p.user.role)} now. As {aRole(p.role)}, {name} {roleRights[p.role]}.
          </p>
          <p className="text-sm text-muted">It applies at once, on every device where {name} is signed in.</p>
        </>
      ),
      confirm: `Make ${p.role}`,
    };
  }
  return {
    title: `Disable ${name}?`,
    body: (
      <>
        <p>{name} is signed out on every device at once, and cannot sign in or receive alarm notifications until an admin enables the account again.</p>
        <p className="text-sm text-muted">Nothing is deleted: the account and its audit history stay.</p>
      </>
    ),
    confirm: `Disable ${name}`,
  };
}
const control = 'min-h-11 rounded-md border border-neutral-400 bg-white px-3 text-base dark:border-neutral-500 dark:bg-neutral-900';
const button = 'min-h-11 min-w-11 rounded-md border border-neutral-500 px-3 font-medium hover:bg-neutral-200 dark:hover:bg-neutral-800';

/** Admin: create users, set roles, disable/enable, reset passwords. */
export function UsersAdmin() {
  const { data, error, mutate } = useSWR<{ users: User[] }>('/api/users', apiFetch);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  /** The outcome of "Create user", shown next to its button (the form is low on a phone). */
  const [created, setCreated] = useState<{ ok: boolean; text: string } | null>(null);
  const createdRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (created) createdRef.current?.scrollIntoView({ block: 'nearest' });
  }, [created]);

  async function act(run: () => Promise<unknown>, done: string) {
    setMessage(null);
    try {
      await run();
      setMessage(done);
      await mutate();
    } catch (err) {
      setMessage(`⚠ ${(err as Error).message}`);
    }
  }

  function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const body = { username: f.get('username'), password: f.get('password'), role: f.get('role'), kiosk: f.get('kiosk') === 'on' };
    setCreated(null);
    void (async () => {
      try {
        await apiFetch('/api/users', { method: 'POST', body: JSON.stringify(body) });
        form.reset();
        setCreated({ ok: true, text: `User ${String(body.username)} created.` });
        await mutate();
      } catch (err) {
        setCreated({ ok: false, text: (err as Error).message });
      }
    })();
  }

  const patch = (u: User, changes: Record<string, unknown>, done: string) =>
    act(() => apiFetch(`/api/users/${u.id}`, { method: 'PATCH', body: JSON.stringify(changes) }), done);

  return (
    <div className="space-y-6">
      <p aria-live="polite" className="min-h-6 text-sm">
        {message}
      </p>
      {error && <p role="alert">⚠ {(error as Error).message}</p>}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead>
            <tr className="border-b border-neutral-400">
              <th className="py-2 pr-2">User</th>
              <th className="py-2 pr-2">Role</th>
              <th className="py-2 pr-2">Status</th>
              <th className="py-2">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data?.users.map((u) => (
              <tr key={u.id} className="border-b border-neutral-300 dark:border-neutral-700">
                <td className="py-2 pr-2 font-medium">
                  {u.username}
                  {u.kiosk && <span className="ml-2 text-xs text-neutral-600 dark:text-neutral-300">(kiosk)</span>}
                </td>
                <td className="py-2 pr-2">
                  <label className="sr-only" htmlFor={`role-${u.id}`}>
                    Role of {u.username}
                  </label>
                  <select
                    id={`role-${u.id}`}
                    className={control}
                    value={u.role}
                    // Nothing changes until confirmed: the select keeps showing the current role.
                    onChange={(e) => setPending({ kind: 'role', user: u, role: e.target.value as Role })}
                  >
                    {roles.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td className="py-2 pr-2">{u.disabled ? '⛔ disabled' : 'active'}</td>
                <td className="flex flex-wrap gap-2 py-2">
                  <button
                    type="button"
                    className={button}
                    aria-haspopup={u.disabled ? undefined : 'dialog'}
                    onClick={() => (u.disabled ? void patch(u, { disabled: false }, `${u.username} enabled.`) : setPending({ kind: 'disable', user: u }))}
                  >
                    {u.disabled ? 'Enable' : 'Disable'}
                  </button>
                  <button
                    type="button"
                    className={button}
                    onClick={() => {
                      const password = window.prompt(`New password for ${u.username} (at least 10 characters)`);
                      if (password) void patch(u, { password }, `Password of ${u.username} reset; their sessions ended.`);
                    }}
                  >
                    Reset password
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={create} className="grid gap-3 rounded-md border border-neutral-400 p-4 sm:grid-cols-2">
        <h2 className="text-lg font-semibold sm:col-span-2">New user</h2>
        <label className="text-sm">
          Username
          <input name="username" required className={`${control} mt-1 block w-full`} />
        </label>
        <label className="text-sm">
          Password (10+ characters)
          <input name="password" type="password" autoComplete="new-password" required minLength={10} className={`${control} mt-1 block w-full`} />
        </label>
        <label className="text-sm">
          Role
          <select name="role" defaultValue="viewer" className={`${control} mt-1 block w-full`}>
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="flex min-h-11 items-center gap-2 text-sm sm:mt-6">
          <input name="kiosk" type="checkbox" className="h-5 w-5" /> Wall display (viewers only: long idle timeout)
        </label>
        <button type="submit" className={`${button} sm:col-span-2`}>
          Create user
        </button>
        <p
          ref={createdRef}
          role={created && !created.ok ? 'alert' : 'status'}
          className={`sm:col-span-2 ${created && !created.ok ? 'rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-sm text-diag' : 'text-sm'}`}
          data-testid="create-user-result"
        >
          {created ? (created.ok ? created.text : `⚠ Not created: ${created.text}`) : null}
        </p>
      </form>
      {pending && (
        <ConfirmDialog
          key={`${pending.kind}-${pending.user.id}`}
          ask={confirmationOf(pending)}
          onDone={(yes) => {
            setPending(null);
            if (!yes) return;
            if (pending.kind === 'role') void patch(pending.user, { role: pending.role }, `${pending.user.username} is now ${pending.role}.`);
            else void patch(pending.user, { disabled: true }, `${pending.user.username} disabled; signed out everywhere.`);
          }}
        />
      )}
    </div>
  );
}
