import { mutate } from 'swr';
import { subscribeStream } from './live-store.ts';

/** SWR keys that hold plant definitions and change with a new version. */
const plantKeys = new Set(['/api/lines', '/api/plant', '/api/plant/versions']);

/**
 * Keeps open pages on the current plant version: on each `plant` stream event (a version
 * was applied, here or by anyone), refetches the SWR data that holds definitions (lines and
 * their tags, the plant and its versions) and calls `refresh` for what the server rendered
 * (`router.refresh()`). Returns the function that stops it. Opens the stream.
 */
export function followPlantVersions(refresh: (version: number) => void): () => void {
  return subscribeStream((event, data) => {
    if (event !== 'plant') return;
    void mutate((key) => typeof key === 'string' && plantKeys.has(key));
    refresh((data as { version: number }).version);
  });
}
