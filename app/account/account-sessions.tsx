'use client';

import useSWR from 'swr';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { ChangePassword } from './change-password.tsx';
import { DateTime } from '../_components/date-time.tsx';

interface SessionView {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
  current: boolean;
}

/** Who is signed in, their password, and their sessions on every device: end any, or sign out here. */
export function AccountSessions() {
  const me = useSWR<{ username: string; role: string }>('/api/auth/me', apiFetch);
  const { data, mutate } = useSWR<{ sessions: SessionView[] }>('/api/auth/sessions', apiFetch);

  return (
    <div className="space-y-6">
      {me.data && (
        <p>
          Signed in as <strong>{me.data.username}</strong> ({me.data.role}).
        </p>
      )}
      {/* The other sessions end with a change: the list below follows. */}
      <ChangePassword onChanged={() => void mutate()} />
      <h2 className="text-lg font-semibold">Your sessions</h2>
      <ul className="divide-y divide-neutral-300 dark:divide-neutral-700">
        {data?.sessions.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-3 text-sm">
            <span>
              <span className="font-medium">{s.current ? 'This device' : s.userAgent.slice(0, 60) || 'Unknown device'}</span>
              <br />
              from {s.ip}, signed in <DateTime ts={s.createdAt} />, last seen <DateTime ts={s.lastSeenAt} />
            </span>
            <button
              type="button"
              className="min-h-11 rounded-md border border-neutral-500 px-3"
              onClick={async () => {
                if (s.current) {
                  await apiFetch('/api/auth/logout', { method: 'POST' });
                  window.location.assign('/login');
                } else {
                  await apiFetch(`/api/auth/sessions/${s.id}`, { method: 'DELETE' });
                  await mutate();
                }
              }}
            >
              {s.current ? 'Sign out' : 'End session'}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
