import type { RegisterArea, TagType } from './schema.ts';

/** The answer of `POST /api/plant/test-read` (server/plant/test-read.ts), as the plant editor shows it. */

export interface TestReadTag {
  name: string;
  area: RegisterArea;
  address: number;
  type: TagType;
  /** The registers (or bits) the tag occupies, as read; null when the read failed. */
  raw: number[] | null;
  value: number | null;
  quality: 'good' | 'bad';
  reason: string | null;
}

export interface TestReadResult {
  connection: string;
  durationMs: number;
  /** Why nothing could be read (no connection, no endpoint), else null; per-tag failures are in `tags`. */
  error: string | null;
  tags: TestReadTag[];
}
