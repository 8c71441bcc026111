import type { Quality } from '../../../lib/types.ts';

/** `samples.quality` is stored as a small integer. */
export const qualityCode: Record<Quality, number> = { good: 0, bad: 1, stale: 2 };
export const qualityName: Quality[] = ['good', 'bad', 'stale'];

/** A `samples` row read as an array: ts, value, quality. */
export type RawTuple = [ts: number, value: number | null, quality: number];

/** A sample as a trend point's value: NaN (a gap) unless it is good and has a value. */
export const sampleValue = (value: number | null, quality: number) => (quality === 0 && value !== null ? value : Number.NaN);
