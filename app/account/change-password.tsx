'use client';

import { type FormEvent, useId, useRef, useState } from 'react';
import { ApiRequestError, apiFetch } from '../../lib/client/api-fetch.ts';
import { Icon } from '../_components/glyph.tsx';

const field = 'mt-1 block min-h-11 w-full rounded-md border border-edge bg-raised px-3 text-base aria-invalid:border-2 aria-invalid:border-diag';
type Field = 'currentPassword' | 'newPassword' | 'repeat';

/**
 * Change one's own password: the current one, the new one twice (10+ characters, as for a new
 * user). Every other session of the user ends (the server does it); this device stays signed
 * in. An error names its field, next to it, and takes the focus there.
 */
export function ChangePassword({ onChanged }: { onChanged?(): void }) {
  const [problem, setProblem] = useState<{ field: Field; message: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const ids = { current: useId(), next: useId(), repeat: useId(), problem: useId() };

  function refuse(which: Field, message: string) {
    setProblem({ field: which, message });
    form.current?.querySelector<HTMLInputElement>(`[name="${which}"]`)?.focus();
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const currentPassword = String(f.get('currentPassword'));
    const newPassword = String(f.get('newPassword'));
    setDone(null);
    setProblem(null);
    if (!currentPassword) return refuse('currentPassword', 'Enter your current password.');
    if (newPassword.length < 10) return refuse('newPassword', 'The new password needs at least 10 characters.');
    if (newPassword !== String(f.get('repeat'))) return refuse('repeat', 'The two new passwords differ.');
    setBusy(true);
    try {
      const { endedSessions } = await apiFetch<{ endedSessions: number }>('/api/auth/password', {
        method: 'POST',
        body: JSON.stringify({ currentPassword, newPassword }),
      });
      form.current?.reset();
      setDone(
        `Password changed. ${endedSessions === 0 ? 'You had no other session.' : `${endedSessions} other ${endedSessions === 1 ? 'session was' : 'sessions were'} signed out.`}`,
      );
      onChanged?.();
    } catch (err) {
      const which: Field = err instanceof ApiRequestError && err.field === 'newPassword' ? 'newPassword' : 'currentPassword';
      const message = err instanceof ApiRequestError && err.field === 'currentPassword' ? 'The current password is not right.' : (err as Error).message;
      refuse(which, message);
    } finally {
      setBusy(false);
    }
  }

  const input = (which: Field, id: string, label: string, autoComplete: string) => (
    <div>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        name={which}
        type="password"
        autoComplete={autoComplete}
        className={field}
        aria-invalid={problem?.field === which || undefined}
        aria-describedby={problem?.field === which ? ids.problem : undefined}
      />
      {problem?.field === which && (
        <p id={ids.problem} role="alert" className="mt-1 flex items-start gap-1.5 rounded-md border-2 border-diag bg-diag-bg px-3 py-1.5 text-sm text-diag">
          <Icon name="fault" className="mt-0.5 size-4" />
          <span>{problem.message}</span>
        </p>
      )}
    </div>
  );

  return (
    <section aria-labelledby="password-heading" className="rounded-lg border border-edge bg-surface p-3 sm:p-4">
      <h2 id="password-heading" className="text-lg font-semibold">
        Change password
      </h2>
      <p className="mt-1 text-sm text-muted">Your other sessions end; this device stays signed in.</p>
      <form ref={form} onSubmit={submit} noValidate className="mt-3 grid gap-3 sm:max-w-sm">
        {input('currentPassword', ids.current, 'Current password', 'current-password')}
        {input('newPassword', ids.next, 'New password (at least 10 characters)', 'new-password')}
        {input('repeat', ids.repeat, 'New password again', 'new-password')}
        <button
          type="submit"
          disabled={busy}
          className="inline-flex min-h-11 items-center justify-center rounded-md bg-action px-4 font-semibold text-action-fg disabled:opacity-60"
        >
          {busy ? 'Changing…' : 'Change password'}
        </button>
        <p role="status" className="flex items-start gap-1.5 text-sm">
          {done && <Icon name="good" className="mt-0.5 size-4" />}
          <span data-testid="password-result">{done}</span>
        </p>
      </form>
    </section>
  );
}
