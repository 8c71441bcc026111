import { withSerwist } from '@serwist/turbopack';

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Lets parallel work trees or test runs build apart (the custom server reads this config too).
  distDir: process.env.LINEWATCH_NEXT_DIST_DIR || '.next',
  // The custom server (server/) owns the process; Next only renders pages and route handlers.
  turbopack: { root: import.meta.dirname },
  // The stylesheet inline in each page: no render-blocking request before the first paint
  // (an offline start paints its last known values before the app's scripts run, and the
  // inline scripts that do it would otherwise wait for the stylesheet).
  // authInterrupts: `forbidden()` answers a page with HTTP 403 (app/forbidden.tsx), not a 200.
  experimental: { inlineCss: true, authInterrupts: true },
};

// The service worker is built by a route handler (app/serwist/[path]/route.ts); this keeps
// esbuild out of the server bundle.
export default withSerwist(nextConfig);
