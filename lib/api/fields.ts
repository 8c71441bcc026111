import { z } from 'zod';

/** An ISO 8601 time with its offset (`2026-11-28T14:02:00Z`), as epoch ms. */
export const isoTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
