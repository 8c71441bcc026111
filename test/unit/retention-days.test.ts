import assert from 'node:assert/strict';
import test from 'node:test';
import type { HistoryWriter } from '../../server/historian/history-writer.ts';
import { createRetention } from '../../server/history/retention.ts';

const DAY = 86_400_000;

/** A writer that records what retention asks of it. */
function recordingWriter(options: { days: boolean }) {
  const calls: string[] = [];
  const writer: HistoryWriter = {
    write: async () => {},
    tags: async () => ['a'],
    close: async () => {},
    async prune(kind, tag, before) {
      calls.push(`prune ${kind} ${tag} < ${before}`);
      return 0;
    },
    ...(options.days && {
      async dropRawDaysBefore(before: number) {
        calls.push(`drop days < ${before}`);
        return 3;
      },
    }),
  };
  return { writer, calls };
}

test('where the engine partitions by day: whole days are dropped first, rows pruned only up to the day that straddles the limit', async () => {
  const now = 100 * DAY + 5 * 3_600_000;
  const { writer, calls } = recordingWriter({ days: true });
  const counts = await createRetention(writer, { rawMs: 30 * DAY, rollupMs: 60 * DAY, now: () => now }).runOnce();
  assert.deepEqual(calls, [`drop days < ${70 * DAY + 5 * 3_600_000}`, `prune raw a < ${70 * DAY}`, `prune rollups a < ${40 * DAY + 5 * 3_600_000}`]);
  assert.deepEqual(counts, { rawDays: 3, raw: 0, rollups: 0 });
});

test('elsewhere (SQLite): rows are pruned up to the exact limit', async () => {
  const now = 100 * DAY + 5 * 3_600_000;
  const { writer, calls } = recordingWriter({ days: false });
  const counts = await createRetention(writer, { rawMs: 30 * DAY, rollupMs: 60 * DAY, now: () => now }).runOnce();
  assert.deepEqual(calls, [`prune raw a < ${70 * DAY + 5 * 3_600_000}`, `prune rollups a < ${40 * DAY + 5 * 3_600_000}`]);
  assert.deepEqual(counts, { rawDays: 0, raw: 0, rollups: 0 });
});
