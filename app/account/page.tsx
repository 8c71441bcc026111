import type { Metadata } from 'next';
import { AccountSessions } from './account-sessions.tsx';

export const metadata: Metadata = { title: 'Account · Linewatch' };

export default function AccountPage() {
  return (
    <main id="main" className="mx-auto max-w-3xl space-y-6 p-4">
      <h1 className="text-2xl font-semibold">Account</h1>
      <AccountSessions />
    </main>
  );
}
