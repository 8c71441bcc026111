import type { Metadata } from 'next';
import { UsersAdmin } from './users-admin.tsx';

export const metadata: Metadata = { title: 'Users · Linewatch' };

export default function UsersPage() {
  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <h1 className="mb-4 text-2xl font-semibold">Users</h1>
      <UsersAdmin />
    </main>
  );
}
