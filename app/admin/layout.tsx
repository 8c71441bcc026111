import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { roleAtLeast } from '../../server/auth/access-rules.ts';

/**
 * Admin pages are for admins: their API calls refuse everyone else anyway, so other roles get
 * an explanation here instead of forms whose every action would fail. Checked on the server.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = maybePrincipal(await headers());
  if (user && roleAtLeast(user.role, 'admin')) return children;
  return (
    <main id="main" className="mx-auto max-w-4xl p-4" data-forbidden>
      <h1 className="mb-4 text-2xl font-semibold">403 · Admins only</h1>
      <p>
        This page manages users and shows the audit log. Your role{user ? ` (${user.role})` : ''} may not open it; ask an admin if you need
        access.
      </p>
    </main>
  );
}
