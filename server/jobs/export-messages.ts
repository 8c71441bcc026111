import type { StoreLocation } from '../storage/store.ts';
import type { ExportColumn } from './csv.ts';

/** Parent → export child, once, right after the fork. Never on the command line. */
export interface ExportStart {
  type: 'export';
  /** The store to read, on a connection of the child's own (SQLite: read-only). */
  location: StoreLocation;
  /** Result file; written as `<outFile>.part` and renamed when complete. */
  outFile: string;
  tags: string[];
  /** Label, unit and decimals of the tags the plant describes (the others are written as stored). */
  columns?: ExportColumn[];
  from: number;
  to: number;
  /** Pause between two chunks, ms (gentler on the disk and the live path). */
  pauseMs: number;
}

/** Export child → parent. */
export type ExportReport =
  | { type: 'progress'; progress: number; rows: number }
  | { type: 'done'; rows: number; bytes: number }
  | { type: 'error'; message: string };

export function isExportReport(m: unknown): m is ExportReport {
  const type = (m as { type?: unknown } | null)?.type;
  return type === 'progress' || type === 'done' || type === 'error';
}
