import { derivePatterns } from './date-pattern.ts';

/** A dedicated worker's scope, as far as this uses it (the project's types are the window's). */
const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<{ locale: string }>) => void) | null; postMessage(message: unknown): void };

/** Reads a locale's date layouts off the main thread (see date-pattern.ts): `{ locale }` → `DatePatterns | null`. */
scope.onmessage = (e) => scope.postMessage(derivePatterns(e.data.locale));
