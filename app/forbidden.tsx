import { headers } from 'next/headers';
import { maybePrincipal } from '../lib/auth/principal.ts';

/** The page a `forbidden()` answers with (HTTP 403): admin pages for other roles. */
export default async function Forbidden() {
  const user = maybePrincipal(await headers());
  return (
    <main id="main" className="mx-auto max-w-4xl p-4" data-forbidden>
      <h1 className="mb-4 text-2xl font-semibold">403 · Admins only</h1>
      <p>This page manages users and shows the audit log. Your role{user ? ` (${user.role})` : ''} may not open it; ask an admin if you need access.</p>
    </main>
  );
}
