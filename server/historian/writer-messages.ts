import type { RollupRow } from '../storage/store.ts';
import type { PackedSamples } from './history-writer.ts';

export type WriterRequest =
  | { id: number; op: 'write'; samples: PackedSamples; rollups: readonly RollupRow[] }
  | { id: number; op: 'prune'; kind: 'raw' | 'rollups'; tag: string; before: number; maxRows: number }
  | { id: number; op: 'tags' }
  | { id: number; op: 'rebuild'; tag: string; from: number; before: number };

export type WriterReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };

export interface WriterWorkerData {
  file: string;
}
