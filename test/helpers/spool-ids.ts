import type { SpoolCodec } from '../../server/spool/spool.ts';

/** A spool record of numbered rows (ids), as the spool tests append and replay them. */
export const idsCodec: SpoolCodec<number[]> = {
  encode: (ids) => JSON.stringify(ids),
  decode: (payload) => JSON.parse(payload.toString('utf8')) as number[],
  rows: (ids) => ids.length,
  at: (ids) => ids[0] ?? 0,
};

/** Records `[from … from+size-1]`, `count` of them. */
export const idRecords = (count: number, size: number, from = 0): number[][] =>
  Array.from({ length: count }, (_, r) => Array.from({ length: size }, (_, i) => from + r * size + i));
