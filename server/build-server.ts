import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import next from 'next';
import { registerRuntime } from '../lib/runtime-access.ts';
import { clientAddress, createRequestGuard } from './auth/request-guard.ts';
import type { Principal } from './auth/auth-service.ts';
import type { StreamOwner } from './live/stream-caps.ts';
import { sendError, sendFailure } from './http/send-error.ts';
import { canonicalTarget } from '../lib/auth/request-path.ts';
import type { Config } from './config.ts';
import type { Logger } from './log/logger.ts';
import { routeLabel } from './metrics/route-label.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { createHistoryEndpoint } from './history/history-endpoint.ts';
import { parse, queryFields } from '../lib/api/respond.ts';
import { isSseRequest } from './stream/sse-endpoint.ts';
import { streamQuery } from './stream/stream-query.ts';
import { checkWsUpgrade, refuseUpgrade } from './stream/ws-endpoint.ts';

export interface LinewatchServer {
  url: string;
  port: number;
  runtime: Runtime;
  /** First run without users: the one-time setup link (`http://host:port/setup?token=…`). */
  setupUrl?: string;
  /** Stops everything in reverse start order; a second call returns the same promise. */
  close(): Promise<void>;
}

/** Requests slower than this get a log line. */
const slowRequestMs = 1000;

/**
 * Builds and starts the whole app: runtime (storage, poller, simulators), Next's request
 * handler and the WebSocket endpoint on one HTTP server. Tests call it with port 0.
 */
export async function buildServer(config: Config): Promise<LinewatchServer> {
  const log = config.log.child({ part: 'http' });
  const started: { name: string; stop: () => Promise<void> | void }[] = [];
  const closeStarted = async () => {
    for (const part of started.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        log.error({ err: error, part: part.name }, 'close failed');
      }
    }
  };

  try {
    const handle = await createRuntime(config);
    const { runtime } = handle;
    registerRuntime(runtime);
    started.push({ name: 'runtime registry', stop: () => registerRuntime(undefined) });
    // Before start: a start that fails part-way stops what it had started.
    started.push({ name: 'runtime', stop: () => handle.stop() });
    const { setupPath } = await handle.start();

    let handleNext: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
    if (config.serveNext) {
      const app = next({ dev: config.dev, dir: config.appDir, hostname: config.host, port: config.port });
      await app.prepare();
      handleNext = app.getRequestHandler();
      started.push({ name: 'next', stop: () => app.close() });
    }

    const history = createHistoryEndpoint(() => runtime, log);
    const guard = createRequestGuard(() => runtime.auth, { dev: config.dev, trustProxy: config.auth.trustProxy });
    const server = createServer((req, res) => {
      observeRequest(req, res, runtime, log, config.auth.trustProxy);
      void serve(req, res);
    });
    const serve = async (req: IncomingMessage, res: ServerResponse) => {
      let guarded: Awaited<ReturnType<typeof guard>>;
      try {
        guarded = await guard(req, res);
      } catch (error) {
        // The session could not be looked up (the database is unreachable): 503, said plainly.
        return sendFailure(res, error, log, `request ${req.method} ${req.url}`);
      }
      if (!guarded.ok) return;
      if (isSseRequest(req)) {
        // Authorised here, streamed by the live process on this request's socket.
        try {
          const query = parse(streamQuery, queryFields(new URL(req.url ?? '/', 'http://x').searchParams), 'query');
          // The guard let it through, so someone is signed in (the stream is for viewers and up).
          const owner = streamOwner(guarded.principal!, clientAddress(req, config.auth.trustProxy));
          const refused = handle.live.refusal(owner);
          if (refused) return sendError(res, 429, 'LW_TOO_MANY_STREAMS', refused);
          handle.live.handOverSse(req, res, query, owner);
        } catch (error) {
          sendFailure(res, error, log, `stream ${req.url}`);
        }
        return;
      }
      if (history.handle(req, res)) return;
      if (handleNext) {
        handleNext(req, res).catch((error: unknown) => sendFailure(res, error, log, `request ${req.method} ${req.url}`));
      } else {
        sendError(res, 404, 'LW_NOT_FOUND', 'pages are not served');
      }
    };
    server.on('upgrade', async (req, socket, head) => {
      // The request guard's canonical path: `/x/../api/ws` or `/api/ws#` must not reach the
      // endpoint (which parses the URL its own way) past its checks.
      const target = canonicalTarget(req.url ?? '/');
      if (!target.ok) return refuseUpgrade(socket, 400, { code: 'LW_BAD_PATH', message: target.problem, field: 'path' });
      req.url = target.path + target.search;
      // A stream (re)connecting is the page's doing, not the user's: it does not keep the session alive.
      let upgrade: Awaited<ReturnType<typeof checkWsUpgrade>>;
      try {
        upgrade = await checkWsUpgrade(req, socket, (token) => runtime.auth.authenticate(token, Date.now(), 'background'), config.auth.trustProxy);
      } catch (error) {
        log.warn({ err: error }, 'stream upgrade refused: the session could not be checked');
        return refuseUpgrade(socket, 503);
      }
      if (upgrade) {
        const owner = streamOwner(upgrade.principal, clientAddress(req, config.auth.trustProxy));
        const refused = handle.live.refusal(owner);
        if (refused) return refuseUpgrade(socket, 429, { code: 'LW_TOO_MANY_STREAMS', message: refused });
        return handle.live.handOverWs(req, socket as Socket, head, upgrade.query, owner);
      }
      if (upgrade === undefined) return;
      // Next attaches its own upgrade listener (dev HMR under /_next/); anything else would hang.
      if (!req.url?.startsWith('/_next/')) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    started.push({
      name: 'http server',
      stop: async () => {
        // Refuses new connections at once; ends those left.
        server.close();
        server.closeAllConnections();
        // Not waiting for close's callback: Node counts the sockets handed to a child process
        // as the server's until that child reports them closed, and a child that died (the
        // live process is restarted then) never does. Ending the live process ends them.
        await handle.live.stop();
      },
    });

    const port = (server.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let closing: Promise<void> | undefined;
    const url = `http://${host}:${port}`;
    return {
      url,
      port,
      runtime,
      ...(setupPath && { setupUrl: url + setupPath }),
      close: () => (closing ??= closeStarted()),
    };
  } catch (error) {
    await closeStarted();
    throw error;
  }
}

const streamOwner = (p: Principal, ip: string): StreamOwner => ({ session: p.session, userId: p.userId, ip });

let requestCount = 0;
/** A proxy's request id, when it is trusted and looks like one. */
const proxyRequestId = /^[\w.:-]{1,64}$/;

/**
 * Times a request for the metrics and the slow-request log, and gives it an id: sent back as
 * `X-Request-Id` and passed to route handlers in the same header, so a log line and a user's
 * report can be matched.
 */
function observeRequest(req: IncomingMessage, res: ServerResponse, runtime: Runtime, log: Logger, trustProxy: boolean): void {
  const given = req.headers['x-request-id'];
  const requestId =
    trustProxy && typeof given === 'string' && proxyRequestId.test(given) ? given : `${process.pid.toString(36)}-${(++requestCount).toString(36)}`;
  req.headers['x-request-id'] = requestId;
  res.setHeader('x-request-id', requestId);
  const start = performance.now();
  let headersAt: number | undefined;
  const writeHead = res.writeHead;
  // Streams last for hours: their duration is time to headers, taken where Node sends them.
  res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    headersAt ??= performance.now();
    return writeHead.apply(this, args);
  } as typeof writeHead;
  const done = () => {
    const streaming = String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
    const ms = (streaming ? (headersAt ?? performance.now()) : performance.now()) - start;
    runtime.metrics.httpDuration.observe({ method: req.method ?? 'GET', route: routeLabel(req.url ?? '/'), status: String(res.statusCode) }, ms / 1000);
    if (ms > slowRequestMs) log.warn({ requestId, method: req.method, url: req.url, status: res.statusCode, ms: Math.round(ms) }, 'slow request');
  };
  res.once('close', done);
}
