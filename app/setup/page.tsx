import type { Metadata } from 'next';
import Link from 'next/link';
import { getRuntime } from '../../lib/runtime-access.ts';
import { LoginForm } from '../login/login-form.tsx';

export const metadata: Metadata = { title: 'First admin · Linewatch' };

/**
 * First run only: the one-time link the server printed at start leads here. The token is
 * checked before the form shows, so a used link says so at once, not after it is filled in.
 */
export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const state = token ? await getRuntime().auth.setupLinkState(token) : 'missing';
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="mb-2 text-2xl font-semibold">Create the first admin</h1>
      {state === 'valid' && token ? (
        <>
          <p className="mb-6 text-sm text-muted">This link works once. The admin can then add operators and viewers.</p>
          <LoginForm setup={{ token }} />
        </>
      ) : state === 'used' ? (
        <>
          <p role="alert" className="mb-4">
            This setup link was already used: the first admin exists. Sign in, or ask an admin for an account.
          </p>
          <Link href="/login" className="inline-flex min-h-11 items-center rounded-md bg-action px-4 font-semibold text-action-fg">
            Sign in
          </Link>
        </>
      ) : state === 'invalid' ? (
        <p role="alert">This setup link is not valid. Use the full link the server printed at its start (the last line of its output).</p>
      ) : (
        <p role="alert">Open the one-time setup link the server printed at start (it carries a token).</p>
      )}
    </main>
  );
}
