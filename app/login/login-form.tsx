'use client';

import { useState, type FormEvent } from 'react';
import { safeNextPath } from '../../lib/auth/next-path.ts';

const jsonHeaders = { 'content-type': 'application/json' };

export function LoginForm({ setup }: { setup?: { token: string } }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(e.currentTarget);
    const credentials = { username: String(form.get('username')), password: String(form.get('password')) };
    try {
      if (setup) {
        const res = await fetch('/api/auth/setup', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ token: setup.token, ...credentials }) });
        if (!res.ok) throw new Error((await res.json()).error?.message ?? `setup failed (${res.status})`);
      }
      const res = await fetch('/api/auth/login', { method: 'POST', headers: jsonHeaders, body: JSON.stringify(credentials) });
      if (!res.ok) throw new Error((await res.json()).error?.message ?? `sign-in failed (${res.status})`);
      // `next` comes from the URL: only a path of this origin, as the browser will read it.
      window.location.assign(safeNextPath(new URLSearchParams(window.location.search).get('next'), window.location.origin));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const field =
    'mt-1 block w-full min-h-11 rounded-md border border-neutral-400 bg-white px-3 text-base text-neutral-900 dark:border-neutral-500 dark:bg-neutral-900 dark:text-neutral-100';
  return (
    <form onSubmit={submit} className="space-y-4" aria-describedby={error ? 'login-error' : undefined}>
      <label className="block text-sm font-medium">
        {setup ? 'Admin username' : 'Username'}
        <input name="username" autoComplete="username" required className={field} defaultValue={setup ? 'admin' : undefined} />
      </label>
      <label className="block text-sm font-medium">
        Password{setup ? ' (at least 10 characters)' : ''}
        <input
          name="password"
          type="password"
          autoComplete={setup ? 'new-password' : 'current-password'}
          required
          minLength={setup ? 10 : 1}
          className={field}
        />
      </label>
      {error && (
        <p
          id="login-error"
          role="alert"
          className="rounded-md border border-red-700 bg-red-50 px-3 py-2 text-sm text-red-900 dark:bg-red-950 dark:text-red-100"
        >
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={busy}
        className="min-h-11 w-full rounded-md bg-neutral-800 px-4 font-semibold text-white disabled:opacity-60 dark:bg-neutral-200 dark:text-neutral-900"
      >
        {busy ? 'Signing in…' : setup ? 'Create admin and sign in' : 'Sign in'}
      </button>
    </form>
  );
}
