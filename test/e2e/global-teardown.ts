import { rm } from 'node:fs/promises';

/** Removes the temp data dir of this run (SQLite file and WAL). */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.LW_E2E_DATA;
  if (dir?.includes('lw-e2e-')) await rm(dir, { recursive: true, force: true });
}
