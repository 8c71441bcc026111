import { z } from 'zod';

/** The query both live-stream endpoints take (`/api/stream`, `/api/ws`): unknown fields are refused. */
export const streamQuery = z.strictObject({
  line: z.string().max(40).optional(),
  // A bus id (`<ms>-<seq>`); a bare number is an id of an older release, answered with a snapshot.
  lastEventId: z
    .string()
    .regex(/^\d{1,20}(-\d{1,20})?$/, 'must be an event id the stream sent')
    .optional(),
});

export type StreamQuery = z.output<typeof streamQuery>;
