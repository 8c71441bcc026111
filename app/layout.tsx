import type { Metadata, Viewport } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { maybePrincipal } from '../lib/auth/principal.ts';
import { earlyPaintScript } from '../lib/client/early-paint.ts';
import { themeScript } from '../lib/client/theme-script.ts';
import { getRuntime } from '../lib/runtime-access.ts';
import { AlarmToasts } from './_components/alarm-toasts.tsx';
import { AppHeader } from './_components/app-header.tsx';
import { InstallPrompt } from './_components/install-prompt.tsx';
import { OfflineBanner } from './_components/offline-banner.tsx';
import { PwaProvider } from './_components/pwa-provider.tsx';
import './globals.css';

export const metadata: Metadata = {
  title: 'Linewatch',
  description: 'Real-time supervision of production lines',
  applicationName: 'Linewatch',
  icons: { icon: '/icons/icon.svg', apple: '/icons/apple-touch-icon.png' },
  appleWebApp: { capable: true, title: 'Linewatch', statusBarStyle: 'default' },
};

/** Line names for notifications; empty while the runtime starts or stops. */
function lineNames(): Record<string, string> {
  try {
    return Object.fromEntries(getRuntime().plant.lines.map((l) => [l.id, l.name]));
  } catch {
    return {};
  }
}

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#dedede' },
    { media: '(prefers-color-scheme: dark)', color: '#181a1b' },
  ],
};

/**
 * Reading the request headers makes every page render per request, which the CSP needs:
 * the server's policy allows scripts by a per-request nonce (Next puts it on its own
 * scripts from the request's CSP header; the theme script takes it here).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const h = await headers();
  const nonce = /'nonce-([^']+)'/.exec(h.get('content-security-policy') ?? '')?.[1];
  const user = maybePrincipal(h);
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own constant script, allowed by the page's CSP nonce */}
        <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: themeScript }} />
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own constant script, allowed by the page's CSP nonce */}
        {user && <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: earlyPaintScript }} />}
      </head>
      <body className="min-h-screen bg-canvas text-fg antialiased">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-20 focus:rounded focus:bg-raised focus:p-3">
          Skip to content
        </a>
        <PwaProvider>
          {user && <AppHeader user={{ username: user.username, role: user.role }} />}
          {user && <OfflineBanner />}
          {children}
          {user && <AlarmToasts lineNames={lineNames()} canAck={user.role !== 'viewer'} />}
          {user && <InstallPrompt />}
        </PwaProvider>
      </body>
    </html>
  );
}
