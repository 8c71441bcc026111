import { createSerwistRoute } from '@serwist/turbopack';

/**
 * Serves the service worker (/serwist/sw.js), bundled from app/sw.ts with the precache list
 * of this build (Next's static files and public/). Static: built once by `next build`.
 */
export const { dynamic, dynamicParams, revalidate, generateStaticParams, GET } = createSerwistRoute({
  swSrc: 'app/sw.ts',
  useNativeEsbuild: true,
});
