import type { Worker } from 'node:worker_threads';
import { UnavailableError } from '../../lib/errors.ts';
import { startWorker } from '../util/entry-points.ts';
import { packSamples, transferablesOf, type HistoryWriter } from './history-writer.ts';
import type { WriterReply, WriterRequest, WriterWorkerData } from './writer-messages.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * A HistoryWriter backed by one worker thread with its own connection (SQLite has one
 * writer at a time; WAL lets the main connection and the readers carry on). A worker that
 * dies fails its pending calls (the historian keeps those samples and retries) and is
 * replaced on the next call.
 */
export function createWorkerWriter(options: { file: string; log?: Logger }): HistoryWriter {
  const log = options.log ?? silentLogger();
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const inFlight = new Set<Promise<unknown>>();

  function spawn(): Worker {
    const data: WriterWorkerData = { file: options.file };
    const w = startWorker('writer-worker', { workerData: data });
    // The historian's timers keep the process alive while it has work; the worker must not on its own.
    w.unref();
    w.on('message', (reply: WriterReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new UnavailableError(`history write failed: ${reply.message}`));
    });
    w.on('error', (error) => log.error({ err: error }, 'history writer thread failed'));
    w.on('exit', (code) => {
      if (worker !== w) return;
      worker = undefined;
      if (!closed) log.error({ code }, 'history writer thread exited; a new one starts with the next write');
      for (const p of pending.values()) p.reject(new UnavailableError('history writer thread stopped'));
      pending.clear();
    });
    return w;
  }

  function call(request: Distribute<WriterRequest>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (closed) return Promise.reject(new UnavailableError('history writer is closed'));
    const w = (worker ??= spawn());
    const id = nextId++;
    const answered = new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      // A pending call keeps the process alive until it is answered.
      w.ref();
      w.postMessage({ ...request, id }, transfer);
    }).finally(() => {
      inFlight.delete(answered);
      if (pending.size === 0) worker?.unref();
    });
    inFlight.add(answered);
    return answered;
  }

  return {
    async write(samples, rollups) {
      const packed = packSamples(samples);
      await call({ op: 'write', samples: packed, rollups }, transferablesOf(packed));
    },
    prune: async (kind, tag, before, maxRows) => (await call({ op: 'prune', kind, tag, before, maxRows })) as number,
    tags: async () => (await call({ op: 'tags' })) as string[],
    rebuildRollups: async (tag, from, before) => (await call({ op: 'rebuild', tag, from, before })) as number,
    async close() {
      if (closed) return;
      closed = true;
      // Calls already sent finish first.
      await Promise.allSettled([...inFlight]);
      const w = worker;
      worker = undefined;
      await w?.terminate();
    },
  };
}
