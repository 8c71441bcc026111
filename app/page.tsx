import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { earlyPaintNow } from '../lib/client/early-paint.ts';
import { PlantOverview } from './plant-overview.tsx';
import { currentLines } from './server-data.ts';

export const metadata: Metadata = { title: 'Overview · Linewatch' };

export default async function OverviewPage() {
  const nonce = /'nonce-([^']+)'/.exec((await headers()).get('content-security-policy') ?? '')?.[1];
  return (
    <main id="main" className="mx-auto max-w-6xl px-3 py-4 sm:px-4">
      <h1 className="mb-4 text-2xl font-semibold">Plant overview</h1>
      <PlantOverview initialLines={currentLines()} />
      {/* Offline start: the value cells are parsed, paint the last known values now (lib/client/early-paint.ts). */}
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own constant script, allowed by the page's CSP nonce */}
      <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: earlyPaintNow }} />
    </main>
  );
}
