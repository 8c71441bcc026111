import { withSerwist } from '@serwist/turbopack';

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // No next/image in the app: no optimizer endpoint writing cache files for anonymous requests.
  images: { unoptimized: true },
  // Lets parallel work trees or test runs build apart (the custom server reads this config too).
  distDir: process.env.LINEWATCH_NEXT_DIST_DIR || '.next',
  // The custom server (server/) owns the process; Next only renders pages and route handlers.
  turbopack: { root: import.meta.dirname },
  // The stylesheet stays a file (precached by the service worker, so an offline start still
  // paints at once). Inlined (`experimental.inlineCss`), Next also repeats it twice in every
  // page's RSC payload: 3 × 31 KB of CSS to parse per page load.
  // authInterrupts: `forbidden()` answers a page with HTTP 403 (app/forbidden.tsx), not a 200.
  experimental: { authInterrupts: true },
  // Type-checked once, by `tsc --noEmit` (the first stage of `npm test`), not again by every build.
  typescript: { ignoreBuildErrors: true },
};

// The service worker is built by a route handler (app/serwist/[path]/route.ts); this keeps
// esbuild out of the server bundle.
export default withSerwist(nextConfig);
