import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { getRuntime } from '../../lib/runtime-access.ts';
import { DeviceSections } from './device-sections.tsx';
import { NotificationSettings } from './notification-settings.tsx';

export const metadata: Metadata = { title: 'Settings · Linewatch' };

function lines(): { id: string; name: string }[] {
  try {
    return getRuntime().plant.lines.map((l) => ({ id: l.id, name: l.name }));
  } catch {
    return [];
  }
}

/** This device: alarm notifications (push subscription and preferences), installation, offline data. */
export default async function SettingsPage() {
  const role = maybePrincipal(await headers())?.role;
  return (
    <main id="main" className="mx-auto max-w-3xl px-3 py-4 sm:px-4">
      <h1 className="mb-4 text-2xl font-semibold">Settings</h1>
      <NotificationSettings lines={lines()} canAck={role === 'operator' || role === 'admin'} />
      <DeviceSections />
    </main>
  );
}
