import type { MetadataRoute } from 'next';

/** The web app manifest (/manifest.webmanifest): installable, standalone, with shortcuts to alarms and history. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    id: '/',
    name: 'Linewatch',
    short_name: 'Linewatch',
    description: 'Real-time supervision of production lines: live values, alarms, trends.',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'any',
    background_color: '#dedede',
    theme_color: '#dedede',
    categories: ['productivity', 'utilities'],
    icons: [
      { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
      { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
    shortcuts: [
      {
        name: 'Alarms',
        short_name: 'Alarms',
        description: 'Active alarms',
        url: '/alarms',
        icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }],
      },
      {
        name: 'History',
        short_name: 'History',
        description: 'Trends and history',
        url: '/history',
        icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }],
      },
    ],
  };
}
