import type { Metadata } from 'next';
import { LoginForm } from '../login/login-form.tsx';

export const metadata: Metadata = { title: 'First admin · Linewatch' };

/** First run only: the one-time link the server printed at start leads here. */
export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="mb-2 text-2xl font-semibold">Create the first admin</h1>
      {token ? (
        <>
          <p className="mb-6 text-sm text-neutral-600 dark:text-neutral-300">This link works once. The admin can then add operators and viewers.</p>
          <LoginForm setup={{ token }} />
        </>
      ) : (
        <p role="alert">Open the one-time setup link the server printed at start (it carries a token).</p>
      )}
    </main>
  );
}
