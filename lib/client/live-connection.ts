import { backgroundHeader } from '../auth/background.ts';

/**
 * The tab's connection to `/api/stream`: one `EventSource` at a time, its status, reconnects
 * with backoff, a watchdog for a stream gone silent, and resuming after the last event id.
 *
 * Resuming: the browser's own reconnects send `Last-Event-ID`; when this module has to make a
 * new EventSource (server refused the request, watchdog, tab back from background, network
 * back) it passes the last id as `?lastEventId=`. The server replays what was missed, or
 * sends a fresh snapshot when that id has left its ring, so the view converges either way.
 *
 * Nothing runs between `stop()` and `start()`: no stream, no timer, no page listener.
 */

/**
 * `interrupted`: the stream is open but the server says no live data reaches it (its live bus
 * is down: scale-out); values on screen are as of `interruptedSince`.
 */
export type ConnectionState = 'connecting' | 'live' | 'interrupted' | 'reconnecting' | 'offline';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Local epoch ms of the last message of any kind (heartbeats too); null before the first. */
  lastEventAt: number | null;
  /** Local epoch ms since which `state` holds. */
  since: number;
  /** While `interrupted`: since when, on the server's clock (epoch ms). */
  interruptedSince?: number;
}

/** What the connection uses of an `EventSource`: the browser's, or a test's stand-in. */
export interface StreamSource {
  readonly readyState: number;
  addEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
}

export interface LiveConnectionOptions {
  /** Every message of the `events`, its data JSON-parsed, in order; `id` is its event id or null. */
  onMessage(event: string, data: unknown, id: string | null): void;
  /** `status().state` changed. Not called when only `lastEventAt` did: `onMessage` follows. */
  onStatus(): void;
  /** The tab is visible again (ages on screen moved on while it was not). */
  onWake?(): void;
  /** Default `/api/stream`. */
  url?: string;
  /** Event names listened for. Default: snapshot, sample, line, process, alarm, job, plant, heartbeat. */
  events?: readonly string[];
  /** Opens a stream. Default `new EventSource(url)`. */
  open?(url: string): StreamSource;
}

export interface LiveConnection {
  /** Opens the stream (resuming after the last event id seen) and watches it. A second call is harmless. */
  start(): void;
  /** Closes the stream, clears every timer and removes every listener. A second call is harmless. */
  stop(): void;
  /** The status now: a new object whenever any field changed. */
  status(): ConnectionStatus;
}

/** Reconnecting longer than this (or the browser reports no network) shows as offline. */
const offlineAfterMs = 10_000;
/** No message for this long (heartbeat every 15 s) means the connection is dead. */
const silenceMs = 40_000;
/** Back from background after this long: reconnect to converge, even if it looks alive. */
const resumeAfterHiddenMs = 30_000;
/** Back from background with no message for this long: reconnect. */
const quietAfterHiddenMs = 20_000;
/** How often the watchdog looks at the status. */
const checkEveryMs = 2000;
/** `EventSource.CLOSED`, which does not exist outside browsers. */
const closedState = 2;

const streamEvents = ['snapshot', 'sample', 'line', 'process', 'alarm', 'job', 'plant', 'heartbeat'] as const;

/** False only when the browser knows it has no network. */
export function isOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

/** A connection that opens nothing until `start()`. */
export function createLiveConnection(options: LiveConnectionOptions): LiveConnection {
  const { onMessage, onStatus, onWake, url = '/api/stream', events = streamEvents, open = (u: string) => new EventSource(u) } = options;
  let status: ConnectionStatus = { state: 'connecting', lastEventAt: null, since: Date.now() };
  let source: StreamSource | null = null;
  let lastEventId: string | null = null;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let healthTimer: ReturnType<typeof setInterval> | undefined;
  let hiddenAt: number | null = null;
  /** Set while started: removes the page listeners. */
  let removeListeners: (() => void) | null = null;

  function setState(state: ConnectionState): void {
    if (status.state === state) return;
    status = { state, lastEventAt: status.lastEventAt, since: Date.now() };
    onStatus();
  }

  /** The stream is open: live, or interrupted as its heartbeats say. */
  const streamOpen = () => status.state === 'live' || status.state === 'interrupted';

  function markEvent(): void {
    const now = Date.now();
    status = streamOpen() ? { ...status, lastEventAt: now } : { state: 'live', lastEventAt: now, since: now };
  }

  /** A heartbeat says whether live data reaches the server (`bus: 'down'` while it does not). */
  function heardHealth(data: unknown): void {
    const { bus, since } = data as { bus?: string; since?: number };
    if (bus === 'down' && typeof since === 'number') {
      if (status.state === 'interrupted' && status.interruptedSince === since) return;
      status = { state: 'interrupted', lastEventAt: status.lastEventAt, since: Date.now(), interruptedSince: since };
      onStatus();
    } else if (status.state === 'interrupted') setState('live');
  }

  function close(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    source?.close();
    source = null;
  }

  function connect(): void {
    close();
    if (!isOnline()) {
      setState('offline');
      return;
    }
    if (status.state !== 'connecting') setState('reconnecting');
    const es = open(lastEventId ? `${url}?lastEventId=${encodeURIComponent(lastEventId)}` : url);
    source = es;
    const onEvent = (e: Event) => {
      // Events still queued for a stream already replaced are not this view's.
      if (es !== source) return;
      const m = e as MessageEvent<string>;
      if (m.lastEventId) lastEventId = m.lastEventId;
      markEvent();
      let data: unknown;
      try {
        data = JSON.parse(m.data);
      } catch {
        return;
      }
      if (m.type === 'heartbeat') heardHealth(data);
      onMessage(m.type, data, m.lastEventId || null);
    };
    for (const name of events) es.addEventListener(name, onEvent);
    es.addEventListener('open', () => {
      if (es !== source) return;
      failures = 0;
      setState('live');
    });
    es.addEventListener('error', () => {
      if (es !== source) return;
      if (es.readyState === closedState) {
        // The browser gave up (the server answered with an error status): retry ourselves.
        close();
        scheduleRetry();
        void checkSession();
      }
      // Otherwise the browser retries on its own (`retry:` ms) with Last-Event-ID.
      if (streamOpen() || status.state === 'connecting') setState(isOnline() ? 'reconnecting' : 'offline');
    });
  }

  function scheduleRetry(): void {
    failures++;
    const base = Math.min(15_000, 1000 * 2 ** Math.min(failures - 1, 4));
    // Jitter: tabs refused together do not come back together.
    retryTimer = setTimeout(connect, base / 2 + Math.random() * (base / 2));
  }

  function checkHealth(): void {
    const now = Date.now();
    const { state, lastEventAt, since } = status;
    if (streamOpen() && now - (lastEventAt ?? since) > silenceMs) connect();
    else if (state === 'reconnecting' && now - since > offlineAfterMs) setState('offline');
  }

  function addListeners(): () => void {
    if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') {
        hiddenAt = Date.now();
        return;
      }
      const away = hiddenAt === null ? 0 : Date.now() - hiddenAt;
      hiddenAt = null;
      const quiet = Date.now() - (status.lastEventAt ?? 0);
      if (away > resumeAfterHiddenMs || quiet > quietAfterHiddenMs || source === null) connect();
      onWake?.();
    };
    const onOffline = () => {
      close();
      setState('offline');
    };
    const onOnline = () => connect();
    const onPageShow = (e: PageTransitionEvent) => {
      // Restored from the back/forward cache: its stream was closed meanwhile.
      if (e.persisted) connect();
    };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    window.addEventListener('pageshow', onPageShow);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('pageshow', onPageShow);
    };
  }

  return {
    start() {
      if (removeListeners) return;
      removeListeners = addListeners();
      connect();
      healthTimer = setInterval(checkHealth, checkEveryMs);
    },
    stop() {
      if (!removeListeners) return;
      removeListeners();
      removeListeners = null;
      clearInterval(healthTimer);
      healthTimer = undefined;
      close();
      failures = 0;
      hiddenAt = null;
      // A later start() opens a new stream: it is connecting, whatever this one was.
      status = { ...status, state: 'connecting', since: Date.now() };
    },
    status: () => status,
  };
}

/** A stream refused for an ended session: let the API helper send the user to the login page. */
async function checkSession(): Promise<void> {
  if (typeof window === 'undefined') return;
  try {
    const res = await fetch('/api/auth/me', { cache: 'no-store', headers: { [backgroundHeader]: '1' } });
    if (res.status === 401) window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  } catch {
    // Network down: the offline state already says it.
  }
}
