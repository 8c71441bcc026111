import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { maybePrincipal } from '../../lib/auth/principal.ts';
import { AlarmList } from './alarm-list.tsx';
import { currentAlarms, lineNames } from './server-alarms.ts';

export const metadata: Metadata = { title: 'Alarms · Linewatch' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** `?line=ID` preselects a line; `?focus=ALARM` scrolls to that alarm (links from notifications). */
export default async function AlarmsPage({ searchParams }: Props) {
  const role = maybePrincipal(await headers())?.role;
  const params = await searchParams;
  const lines = lineNames();
  const line = typeof params.line === 'string' && lines.some((l) => l.id === params.line) ? params.line : '';
  const focus = typeof params.focus === 'string' && params.focus.length <= 200 ? params.focus : undefined;
  return (
    <>
      <h1 className="mb-3 text-2xl font-semibold">Active alarms</h1>
      <AlarmList
        initialAlarms={currentAlarms()}
        lines={lines}
        initialLine={line}
        focus={focus}
        canOperate={role === 'operator' || role === 'admin'}
        canAdmin={role === 'admin'}
      />
    </>
  );
}
