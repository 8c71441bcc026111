'use client';

import useSWR from 'swr';
import { apiFetch } from '../../lib/client/api-fetch.ts';

interface SessionView {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
  current: boolean;
}

/** The signed-in user's sessions on every device; end any, or sign out here. */
export function AccountSessions() {
  const me = useSWR<{ username: string; role: string }>('/api/auth/me', apiFetch);
  const { data, mutate } = useSWR<{ sessions: SessionView[] }>('/api/auth/sessions', apiFetch);
  const time = (ms: number) => new Date(ms).toLocaleString();

  return (
    <div className="space-y-4">
      {me.data && (
        <p>
          Signed in as <strong>{me.data.username}</strong> ({me.data.role}).
        </p>
      )}
      <ul className="divide-y divide-neutral-300 dark:divide-neutral-700">
        {data?.sessions.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-3 text-sm">
            <span>
              <span className="font-medium">{s.current ? 'This device' : s.userAgent.slice(0, 60) || 'Unknown device'}</span>
              <br />
              from {s.ip}, signed in {time(s.createdAt)}, last seen {time(s.lastSeenAt)}
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
