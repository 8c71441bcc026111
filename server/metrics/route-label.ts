/**
 * Low-cardinality route label for HTTP metrics: ids and file names become placeholders, so
 * a scrape never grows with the number of lines, tags or static chunks.
 */
export function routeLabel(url: string): string {
  const path = url.split('?', 1)[0] ?? '/';
  if (path.startsWith('/_next/')) return '/_next/*';
  if (path.startsWith('/api/lines/')) return path.replace(/^\/api\/lines\/[^/]+/, '/api/lines/:id');
  if (path.startsWith('/lines/')) return '/lines/:id';
  if (/^\/api\/[a-z-]+(\/[a-z-]+)?$/.test(path) || /^\/[a-z-]*$/.test(path)) return path;
  return '/other';
}
