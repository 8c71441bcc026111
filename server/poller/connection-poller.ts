import { decode } from '../../lib/modbus/codec.ts';
import { planReads, type ReadBlock } from '../../lib/modbus/read-plan.ts';
import type { ConnectionConfig } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { ModbusReadError } from '../../lib/errors.ts';
import type { ConnectionState, Endpoint, FromLoops, PollRecord, PollTuning, WriteRequest } from './messages.ts';
import { closedReason, isExceptionReply, openModbusSession, type ModbusSession } from './modbus-session.ts';
import { createRtuBuses, type RtuBuses } from './rtu-buses.ts';
import { isBadFrame, openRtuSession } from './rtu-session.ts';
import { createTagQuality } from './tag-quality.ts';
import { backoffDelay, nextSlot, scanSlot, sleep } from './timing.ts';

export const NO_ENDPOINT = 'no endpoint';

export interface ConnectionPollerOptions extends PollTuning {
  lineId: string;
  connection: ConnectionConfig;
  /** Where to connect (TCP); `null` = not known yet (a simulated PLC that is not up): idle until `setEndpoint`. RTU connections ignore it. */
  endpoint: Endpoint | null;
  /** The RTU buses shared with the other loops (one port per serial path). Default: the poller's own. */
  buses?: RtuBuses;
  /** Stops the loop; `run()` resolves soon after (the socket is destroyed, nothing awaited unbounded). */
  signal: AbortSignal;
  /** Receives every message for the main thread, synchronously. */
  emit: (message: FromLoops) => void;
  /** Where in each scan period this connection reads, as a fraction of it (default 0). */
  phase?: number;
}

export interface ConnectionPoller {
  /** The poll loop; resolves once `signal` aborted and the socket is closed. Never rejects. */
  run(): Promise<void>;
  /**
   * Switches to another endpoint and reconnects at once, skipping any backoff. The same
   * endpoint while connected is a no-op; while disconnected it means "it is up now: retry".
   */
  setEndpoint(endpoint: Endpoint): void;
  /**
   * Sends a write on this connection's socket, between two reads (never interleaved with one),
   * and reads the blocks it touched at once (the read-back). Resolves with when the PLC
   * answered (fractional epoch ms, the clock of batches' `readAt`); rejects with a
   * ModbusReadError: the connection's problem when it is not connected, the PLC's exception, a timeout.
   */
  write(request: WriteRequest): Promise<number>;
}

interface PendingWrite {
  request: WriteRequest;
  resolve(at: number): void;
  reject(error: Error): void;
}

const wallNow = () => Date.now();
const epochMs = () => performance.timeOrigin + performance.now();

/**
 * The poll loop of one PLC connection: connect, then read its blocks one at a time, each at
 * its own absolute deadlines, until the socket fails (reconnect with backoff), the endpoint
 * changes (reconnect now) or `signal` aborts. One loop and one socket per TCP connection, so a
 * dead PLC costs the others nothing; RTU connections share their bus (rtu-buses.ts), where a
 * dead device costs its neighbours one timeout per attempt. A watchdog timer marks tags
 * `stale` while the loop is stuck (e.g. in a connect that hangs).
 */
export function createConnectionPoller(options: ConnectionPollerOptions): ConnectionPoller {
  const { lineId, connection, signal, emit } = options;
  const phase = options.phase ?? 0;
  const minBackoff = options.backoff?.minMs ?? 250;
  // Capped low: a PLC back after a long outage is read again within ~4 s (issue 22), at one connect attempt per 2–4 s while it is away.
  const maxBackoff = options.backoff?.maxMs ?? 4000;
  const blocks = planReads(connection, { lineId, maxGap: options.maxGap });
  const quality = createTagQuality(
    blocks.flatMap((b) => b.tags.map((t) => ({ id: t.tagId!, scanMs: b.scanMs }))),
    performance.now(),
    options.staleFactor ?? 2,
  );
  const allTags = blocks.flatMap((b) => b.tags.map((t) => t.tagId!));
  let endpoint = options.endpoint;
  /** Aborted (and replaced) when the endpoint changes, to cut a session or a backoff short. */
  let interrupt = new AbortController();
  let lastState: { state: ConnectionState; error?: string } | undefined;
  /** Writes waiting for the scan loop; `wake` cuts its sleep short when one arrives. */
  const writes: PendingWrite[] = [];
  let wake = new AbortController();

  function setState(state: ConnectionState, error?: string) {
    if (lastState?.state === state && lastState.error === error) return;
    lastState = { state, error };
    emit({ type: 'connection', line: lineId, connection: connection.id, state, ...(error === undefined ? {} : { error }) });
  }

  function send(samples: Sample[], poll?: PollRecord) {
    if (samples.length > 0) {
      emit({ type: 'samples', line: lineId, connection: connection.id, readAt: epochMs(), samples, ...(poll ? { poll } : {}) });
    } else if (poll) {
      emit({ type: 'poll', connection: connection.id, ...poll });
    }
  }

  function markBad(ids: readonly string[], reason: string, poll?: PollRecord) {
    const ts = wallNow();
    const changed: Sample[] = [];
    for (const id of ids) {
      const s = quality.bad(id, reason, ts);
      if (s) changed.push(s);
    }
    send(changed, poll);
  }

  /** Reads one block and emits its samples; returns the failure when the session is unusable. */
  async function readBlock(session: ModbusSession, block: ReadBlock, cut: AbortSignal): Promise<ModbusReadError | undefined> {
    const started = performance.now();
    let words: number[];
    try {
      words = await session.read(block, signal, cut);
    } catch (error) {
      const failure = error instanceof ModbusReadError ? error : new ModbusReadError('unknown error', { cause: error });
      const poll = { seconds: (performance.now() - started) / 1000, ok: false };
      if (failure.reason === 'aborted') return failure;
      // The device answered (an exception, or on RTU a frame that failed its CRC): only this block is bad.
      if (answered(failure)) {
        markBad(
          block.tags.map((t) => t.tagId!),
          failure.reason,
          poll,
        );
        return undefined;
      }
      send([], poll);
      return failure;
    }
    const readAt = epochMs();
    const mono = performance.now();
    const ts = wallNow();
    const samples: Sample[] = [];
    for (const { tag, tagId, offset } of block.tags) {
      let value: number;
      try {
        value = decode(words, offset, tag);
      } catch {
        const s = quality.bad(tagId!, 'decode error', ts);
        if (s) samples.push(s);
        continue;
      }
      // A float32 NaN/Infinity is the PLC's "no valid value" (e.g. a broken sensor), not a number to chart.
      if (!Number.isFinite(value)) {
        const s = quality.bad(tagId!, 'not a number', ts);
        if (s) samples.push(s);
        continue;
      }
      samples.push(quality.good(tagId!, value, ts, mono));
    }
    const poll = { seconds: (mono - started) / 1000, ok: true };
    emit({ type: 'samples', line: lineId, connection: connection.id, readAt, samples, poll });
    return undefined;
  }

  /** Sends the writes waiting, in order; the blocks they touched are read next. Returns a failure that ends the session. */
  async function sendWrites(session: ModbusSession, cut: AbortSignal, due: number[]): Promise<ModbusReadError | undefined> {
    while (writes.length > 0) {
      const w = writes.shift()!;
      try {
        await session.write(w.request, signal, cut);
        w.resolve(epochMs());
      } catch (error) {
        const failure = error instanceof ModbusReadError ? error : new ModbusReadError('unknown error', { cause: error });
        w.reject(failure);
        if (!answered(failure)) return failure;
      }
      const { area, address } = w.request;
      const last = address + ('values' in w.request ? w.request.values.length : 1) - 1;
      for (const [i, b] of blocks.entries()) if (b.area === area && b.start <= last && b.start + b.quantity > address) due[i] = performance.now();
    }
    return undefined;
  }

  /** Reads blocks at their deadlines, and sends writes between them, until the session fails or is interrupted. */
  async function scan(session: ModbusSession, cut: AbortSignal, onAnswer: () => void): Promise<ModbusReadError | undefined> {
    const t0 = performance.now();
    // The slot of the grid we are in: read now, then on the grid (see scanSlot).
    const due = blocks.map((b) => scanSlot(t0, b.scanMs, phase) - b.scanMs);
    for (;;) {
      if (signal.aborted || cut.aborted) return undefined;
      if (session.closed.aborted) return new ModbusReadError(closedReason(session.closed));
      const writeFailure = await sendWrites(session, cut, due);
      if (writeFailure) return writeFailure.reason === 'aborted' ? undefined : writeFailure;
      let i = 0;
      for (let j = 1; j < due.length; j++) if (due[j]! < due[i]!) i = j;
      const wait = due[i]! - performance.now();
      if (wait > 0 && !(await sleep(wait, signal, cut, session.closed, wake.signal))) {
        if (wake.signal.aborted) wake = new AbortController();
        continue;
      }
      const failure = await readBlock(session, blocks[i]!, cut);
      if (failure) return failure.reason === 'aborted' ? undefined : failure;
      // The device answered (values or an exception reply): the link works, reset the backoff.
      onAnswer();
      due[i] = nextSlot(due[i]!, blocks[i]!.scanMs, performance.now()).due;
    }
  }

  const buses = options.buses ?? createRtuBuses();
  const answered = (failure: ModbusReadError) => isExceptionReply(failure) || (connection.protocol !== 'tcp' && isBadFrame(failure));
  /** A TCP session at the endpoint, or a share of the connection's RTU bus. */
  function open(cut: AbortSignal): Promise<ModbusSession> {
    if (connection.protocol === 'tcp') return openModbusSession(endpoint!, connection.unitId, connection.timeoutMs, signal, cut);
    return openRtuSession(buses, connection, signal, cut);
  }

  async function loop(): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      const cut = interrupt.signal;
      // RTU connections find their bus from the plant; a TCP one may wait for its endpoint.
      if (connection.protocol === 'tcp' && !endpoint) {
        setState('disconnected', NO_ENDPOINT);
        markBad(allTags, NO_ENDPOINT);
        await sleep(Infinity, signal, cut);
        continue;
      }
      if (lastState?.state !== 'disconnected' || attempt === 0) setState('connecting');
      let failure: ModbusReadError | undefined;
      let session: ModbusSession | undefined;
      const connectStarted = performance.now();
      try {
        session = await open(cut);
      } catch (error) {
        failure = error instanceof ModbusReadError ? error : new ModbusReadError('unknown error', { cause: error });
      }
      if (session) {
        setState('connected');
        try {
          failure = await scan(session, cut, () => (attempt = 0));
        } finally {
          session.destroy();
          // A write not sent on this session is not sent later: the user decides again.
          for (const w of writes.splice(0)) w.reject(new ModbusReadError(failure?.reason ?? 'closed'));
        }
      }
      if (signal.aborted) break;
      if (cut.aborted) {
        attempt = 0;
        continue;
      }
      if (failure && failure.reason !== 'aborted') {
        setState('disconnected', failure.reason);
        // A refused or timed-out connection attempt is a poll error too: a PLC that is down
        // must show on /metrics, not only one that fails mid-read.
        const connectPoll = session ? undefined : { seconds: (performance.now() - connectStarted) / 1000, ok: false, connect: true as const };
        markBad(allTags, failure.reason, connectPoll);
      }
      await sleep(backoffDelay(attempt++, minBackoff, maxBackoff), signal, cut);
      if (cut.aborted) attempt = 0;
    }
  }

  return {
    async run() {
      const minScan = Math.min(...blocks.map((b) => b.scanMs));
      const watchdog = setInterval(() => send(quality.sweep(wallNow(), performance.now())), Math.min(1000, Math.max(25, minScan / 2)));
      try {
        await loop();
      } finally {
        clearInterval(watchdog);
        if (!options.buses) await buses.close();
        setState('disconnected', 'stopped');
      }
    },
    write(request) {
      if (lastState?.state !== 'connected') return Promise.reject(new ModbusReadError(lastState?.error ?? 'not connected'));
      return new Promise<number>((resolve, reject) => {
        writes.push({ request, resolve, reject });
        wake.abort();
      });
    },
    setEndpoint(next) {
      const same = endpoint?.host === next.host && endpoint.port === next.port;
      if (same && lastState?.state === 'connected') return;
      endpoint = { host: next.host, port: next.port };
      const old = interrupt;
      interrupt = new AbortController();
      old.abort(new Error('endpoint changed'));
    },
  };
}
