import { headers } from 'next/headers';
import { forbidden } from 'next/navigation';
import type { ReactNode } from 'react';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { roleAtLeast } from '../../lib/auth/access-rules.ts';

/**
 * Admin pages are for admins: their API calls refuse everyone else anyway, so other roles get
 * a 403 page (app/forbidden.tsx) instead of forms whose every action would fail. Checked on
 * the server.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = maybePrincipal(await headers());
  if (!user || !roleAtLeast(user.role, 'admin')) forbidden();
  return children;
}
