import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError } from '../../lib/errors.ts';
import type { JobRepository } from '../storage/store.ts';

/**
 * Where the file of a finished export is kept. The export process always writes a local file
 * (`fileOf`); `keep` then makes it available to whoever serves the download.
 */
export interface JobResults {
  /** The local file an export of job `id` writes. */
  fileOf(id: number): string;
  /** Makes the finished file of job `id` downloadable. */
  keep(id: number): Promise<void>;
  /** The kept file of job `id`; NotFoundError when it is gone. */
  open(id: number): Promise<Readable>;
  /** Deletes what is kept of job `id` (a job deleted by the clean-up). */
  remove(id: number): Promise<void>;
}

/** Where an export of job `id` writes its file: `<dir>/job-<id>.csv`. */
const exportFileIn = (dir: string) => (id: number) => join(dir, `job-${id}.csv`);

/** One box: the file stays in `dir`, where the process that serves downloads reads it. */
export function resultsInDir(dir: string): JobResults {
  const fileOf = exportFileIn(dir);
  return {
    fileOf,
    keep: async () => {},
    async open(id) {
      try {
        await stat(fileOf(id));
      } catch (error) {
        throw new NotFoundError(`the file of job ${id} is gone`, { field: 'id', cause: error });
      }
      return createReadStream(fileOf(id));
    },
    remove: (id) => rm(fileOf(id), { force: true }),
  };
}

/** Bytes per stored chunk: one row each, small enough for any driver's buffers. */
const CHUNK_BYTES = 1 << 20;

/**
 * Scale-out: the worker (a collector) copies the file into the store in chunks and deletes
 * its own copy, so any web instance serves the download. The store deletes the chunks with
 * the job (`deleteEndedBefore`).
 */
export function resultsInStore(jobs: JobRepository, dir: string): JobResults {
  const fileOf = exportFileIn(dir);
  return {
    fileOf,
    async keep(id) {
      const file = await open(fileOf(id));
      try {
        const buffer = Buffer.alloc(CHUNK_BYTES);
        for (let seq = 0; ; seq++) {
          const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES);
          if (bytesRead === 0 && seq > 0) break;
          await jobs.putResultChunk(id, seq, buffer.subarray(0, bytesRead));
          if (bytesRead < CHUNK_BYTES) break;
        }
      } finally {
        await file.close();
      }
      await rm(fileOf(id), { force: true });
    },
    async open(id) {
      const first = await jobs.resultChunk(id, 0);
      if (!first) throw new NotFoundError(`the file of job ${id} is gone`, { field: 'id' });
      async function* chunks() {
        yield first!;
        for (let seq = 1; ; seq++) {
          const chunk = await jobs.resultChunk(id, seq);
          if (!chunk) return;
          yield chunk;
        }
      }
      return Readable.from(chunks(), { objectMode: false });
    },
    remove: async () => {},
  };
}
