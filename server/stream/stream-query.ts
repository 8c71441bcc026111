import { resumeIdPattern } from '../bus/event-id.ts';
import { z } from 'zod';

/** The query both live-stream endpoints take (`/api/stream`, `/api/ws`): unknown fields are refused. */
export const streamQuery = z.strictObject({
  line: z.string().max(40).optional(),
  lastEventId: z.string().regex(resumeIdPattern, 'must be an event id the stream sent').optional(),
});

export type StreamQuery = z.output<typeof streamQuery>;
