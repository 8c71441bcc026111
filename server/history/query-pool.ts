import type { Worker } from 'node:worker_threads';
import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import { UnavailableError } from '../../lib/errors.ts';
import type { StoreLocation } from '../storage/store.ts';
import { startWorker } from '../util/entry-points.ts';
import type { AnswerBody } from './answer-body.ts';
import type { PointsRequest, QueryReply, QueryRequest, QueryWorkerData, TrendAnswer } from './query-messages.ts';
import type { TrendsRequest } from './trend-query.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

export interface QueryPoolOptions {
  /** The store the workers read from, each on a connection of its own. */
  location: StoreLocation;
  /** Worker threads. Default 2. */
  workers?: number;
  /** Requests waiting or running at once; beyond, a request is refused (503). Default 256. */
  maxPending?: number;
  /** A request still unanswered after this is failed and its worker replaced. Default 30 000 ms. */
  timeoutMs?: number;
  /** Default: silent. */
  log?: Logger;
}

export interface QueryPool {
  /** A trend answer, every tag in one worker, made down to its body's bytes. */
  trend(request: TrendsRequest & { gzip: boolean }): Promise<{ result: TrendAnswer; ms: number }>;
  /** Raw points of one tag as an answer body; `truncated` when more than `limit` exist. */
  points(request: PointsRequest): Promise<{ result: { body: AnswerBody; truncated: boolean }; ms: number }>;
  /** Alarm KPIs: the journal of [from, to) read and reduced in a worker (see alarm-kpis.ts). */
  alarmKpis(request: KpiRequest): Promise<{ result: AlarmKpis; ms: number }>;
  /** Requests sent and not answered yet. */
  pending(): number;
  /** Terminates the workers; pending requests fail. A second call is harmless. */
  close(): Promise<void>;
}

interface Slot {
  worker: Worker | undefined;
  inFlight: Map<number, Pending>;
}

interface Pending {
  resolve(reply: QueryReply & { ok: true }): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * Worker threads that answer history reads and alarm KPIs, each on its own connection
 * (SQLite: read-only): the main event loop only posts a message and gets the answer back
 * already serialised. A request goes to the worker with the fewest in flight (a worker works
 * on all it holds at once); a crashed or stuck worker is replaced on the next request.
 */
export function createQueryPool(options: QueryPoolOptions): QueryPool {
  const size = options.workers ?? 2;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers must be an integer ≥ 1, got ${size}`);
  const maxPending = options.maxPending ?? 256;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const log = options.log ?? silentLogger();
  const slots: Slot[] = Array.from({ length: size }, () => ({ worker: undefined, inFlight: new Map() }));
  let nextId = 1;
  let pendingCount = 0;
  let closed = false;

  function failAll(slot: Slot, error: Error): void {
    for (const p of slot.inFlight.values()) {
      clearTimeout(p.timer);
      pendingCount--;
      p.reject(error);
    }
    slot.inFlight.clear();
  }

  function spawn(slot: Slot): Worker {
    const data: QueryWorkerData = { location: options.location };
    const worker = startWorker('query-worker', { workerData: data });
    // The pool must not keep a process alive on its own (tests, CLI tools); the server has its HTTP socket.
    worker.unref();
    worker.on('message', (reply: QueryReply) => {
      const p = slot.inFlight.get(reply.id);
      if (!p) return;
      slot.inFlight.delete(reply.id);
      clearTimeout(p.timer);
      pendingCount--;
      if (reply.ok) p.resolve(reply);
      else p.reject(new UnavailableError(`history query failed: ${reply.message}`));
    });
    worker.on('error', (error) => log.error({ err: error }, 'query worker failed'));
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (!closed) log.error({ code }, 'query worker exited; a new one starts on the next query');
      failAll(slot, new UnavailableError('history query worker stopped'));
    });
    return worker;
  }

  function send(request: Distribute<QueryRequest>): Promise<QueryReply & { ok: true }> {
    if (closed) return Promise.reject(new UnavailableError('history queries are stopped'));
    if (pendingCount >= maxPending) return Promise.reject(new UnavailableError(`history is busy (${pendingCount} queries pending), try again`));
    let slot = slots[0]!;
    for (const s of slots) if (s.inFlight.size < slot.inFlight.size) slot = s;
    const worker = (slot.worker ??= spawn(slot));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!slot.inFlight.delete(id)) return;
        pendingCount--;
        reject(new UnavailableError(`history query took longer than ${timeoutMs} ms`));
        // It is stuck on something: replace it rather than queue more behind it.
        log.warn({ query: id, timeoutMs }, 'query timed out; replacing its worker');
        slot.worker = undefined;
        failAll(slot, new UnavailableError('history query worker was replaced'));
        void worker.terminate();
      }, timeoutMs);
      slot.inFlight.set(id, { resolve, reject, timer });
      pendingCount++;
      worker.postMessage({ ...request, id } as QueryRequest);
    });
  }

  // All workers start with the pool (made on the first request): a worker takes a few hundred
  // ms to start, which the first concurrent request would otherwise wait for.
  for (const slot of slots) slot.worker = spawn(slot);

  return {
    async trend(request) {
      const reply = await send({ op: 'trend', request });
      if (reply.op !== 'trend') throw new Error('query worker answered the wrong operation');
      return { result: reply.result, ms: reply.ms };
    },
    async points(request) {
      const reply = await send({ op: 'points', request });
      if (reply.op !== 'points') throw new Error('query worker answered the wrong operation');
      return { result: reply.result, ms: reply.ms };
    },
    async alarmKpis(request) {
      const reply = await send({ op: 'alarmKpis', request });
      if (reply.op !== 'alarmKpis') throw new Error('query worker answered the wrong operation');
      return { result: reply.result, ms: reply.ms };
    },
    pending: () => pendingCount,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          slot.worker = undefined;
          failAll(slot, new UnavailableError('history queries are stopped'));
          await worker?.terminate();
        }),
      );
    },
  };
}
