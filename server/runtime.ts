import { join } from 'node:path';
import type { AlarmEventPayload } from '../lib/alarms/alarm-types.ts';
import type { Plant, Scenario } from '../lib/plant/schema.ts';
import type { EventName, EventPayloads, LineStatus, ProcessInfo, Sample } from '../lib/types.ts';
import { type Actor, auditedBy } from './auth/audited.ts';
import { createAuth, type Auth } from './auth/auth-service.ts';
import type { AlarmService } from './alarms/alarm-engine.ts';
import type { KpiRequest } from './alarms/alarm-kpis.ts';
import type { BusStatus } from './bus/live-bus.ts';
import { openRedisBus } from './bus/redis-bus.ts';
import type { Floor } from './floor/floor.ts';
import { createLocalFloor } from './floor/local-floor.ts';
import { createRemoteFloor } from './floor/remote-floor.ts';
import type { Config } from './config.ts';
import type { Logger } from './log/logger.ts';
import { openHistoryWriter } from './historian/open-history-writer.ts';
import type { AnswerBody } from './history/answer-body.ts';
import { createHistoryService, defaultHistoryConfig, type BodyOptions, type TrendQuery } from './history/history-service.ts';
import type { TrendAnswer } from './history/query-messages.ts';
import { type ExportColumn, exportColumnsOf } from './jobs/csv.ts';
import { resultsInDir, resultsInStore } from './jobs/job-results.ts';
import { createJobs, describeExport, type JobsApi } from './jobs/jobs.ts';
import { createHub } from './hub/hub.ts';
import { createLiveLink, type LiveLink } from './live/live-link.ts';
import type { ServerState } from './live/live-messages.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { checkConnection, readPlantFile } from './plant/load-plant.ts';
import { openPlantConfig, type ApplyPlant, type PlantConfig } from './plant/plant-config.ts';
import { testRead, type TestReadResult } from './plant/test-read.ts';
import type { Endpoint } from './poller/messages.ts';
import { writableTag, type WriteInput, type WriteOutcome } from './writes/tag-writer.ts';
import { roleAtLeast, type Role } from '../lib/auth/access-rules.ts';
import { ForbiddenError } from '../lib/errors.ts';
import { createPushSender, type PushApi } from './push/push-sender.ts';
import { openSpools } from './spool/open-spools.ts';
import type { Store } from './storage/store.ts';
import { openStore, storeLocation } from './storage/open-store.ts';
import { createSupervisor } from './supervisor/supervisor.ts';
import { pollerConnection, withSimulatedBusPaths } from './simulation/simulated-buses.ts';

export type { Actor } from './auth/audited.ts';

/** What route handlers and the WebSocket endpoint may use: reads and commands, no internals. */
export interface Runtime {
  /** The plant running now (the current stored version, defaults applied). */
  readonly plant: Plant;
  /** Stored plant versions: read, apply live, roll back, test a connection (all audited but the reads). */
  readonly plantConfig: PlantConfigApi;
  readonly startedAt: number;
  /** For route handlers' failures (child `part: 'api'`). */
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly auth: Auth;
  /** Alarm list, acknowledge/shelve/out-of-service actions (audited), journal and KPIs. */
  readonly alarms: AlarmService;
  lines(): LineStatus[];
  values(): Sample[];
  processes(): ProcessInfo[];
  /** Answered at once in one process group, once the line's owner did on a web instance. */
  startSimulation(lineId: string, scenario: Scenario, actor: Actor): ProcessInfo[] | Promise<ProcessInfo[]>;
  stopSimulation(lineId: string, actor: Actor): Promise<ProcessInfo[]>;
  /**
   * Writes a setpoint or command (issue 21): 403 when the user's role is below the tag's
   * `writable.role`, else as TagWriter.write (limits, confirmation, quality, rate, read-back, audit).
   */
  writeTag(tag: string, input: WriteInput, user: Actor & { role: Role }): Promise<WriteOutcome>;
  /** Raw history of one tag, oldest first, as an answer body; `truncated` when more than `limit` points exist. Read in a query worker. */
  history(tag: string, from: number, to: number, limit: number, body?: BodyOptions): Promise<{ body: AnswerBody; truncated: boolean }>;
  /** Trends of several tags, M4-downsampled for `width` px (rollups for long ranges); read, serialised and compressed in a query worker. */
  trend(query: TrendQuery, body?: BodyOptions): Promise<TrendAnswer>;
  /** CSV export jobs (child processes); start and cancel are audited. */
  readonly jobs: JobsApi;
  /** Web Push: the VAPID key and the caller's own devices (subscribe/unsubscribe audited), test sends. */
  readonly push: PushApi;
  /** `degraded` while the Redis live bus (role web) is unreachable: pages and API work, live data stops. */
  health(): { status: 'ok' | 'degraded'; uptimeS: number; lines: number; streamClients: number; historyBuffered: number; bus?: BusStatus };
}

export interface PlantConfigApi extends Omit<PlantConfig, 'plant' | 'adopt'> {
  /** Reads a connection's tags once with the settings given (validated like the plant file), nothing saved. */
  testRead(line: string, connection: unknown): Promise<TestReadResult>;
}

export interface RuntimeHandle {
  runtime: Runtime;
  /** The live process: the stream endpoints hand it their authorised sockets. */
  live: LiveLink;
  store: Store;
  /**
   * Starts every part. First run without LINEWATCH_ADMIN_PASSWORD: returns the path of the
   * one-time setup link (`/setup?token=…`), which the entry prints as a full URL once listening.
   */
  start(): Promise<{ setupPath?: string }>;
  /** Stops every part in reverse start order: simulators, the live process (streams, poller), historian (flushed), store. */
  stop(): Promise<void>;
}

/** Assembles the runtime parts; nothing runs until `start()`. */
export async function createRuntime(config: Config): Promise<RuntimeHandle> {
  const log = config.log;
  // First: a database that cannot be reached is the error, before anything else starts.
  const store = await openStore(storeLocation(config), { log: log.child({ part: 'store' }), waitMs: config.databaseWaitMs });
  const metrics = createMetrics({
    processStatuses: () => supervisor.list().map((p) => p.status),
    alarms: () => floor.activeAlarms(),
    push: () => push.stats(),
    spool: () => spools.stats(),
    bus: () => bus?.status(),
  });
  // Store-and-forward (server/spool/): rows the database cannot take now wait on local disk.
  const spools = await openSpools({
    dir: join(config.dataDir, 'spool'),
    config: config.spool,
    log: log.child({ part: 'spool' }),
    onSamplesDropped: (n) => metrics.samplesDropped.inc(n),
  });
  // The server's own events (alarms, processes, jobs) for listeners in this process (push,
  // metrics); the live process streams them, with the samples, under its own ids.
  const hub = createHub({ ringSize: 1 });
  const auth = createAuth(store, {
    log: log.child({ part: 'auth' }),
    idleTimeoutMs: config.auth.idleTimeoutMs,
    kioskIdleTimeoutMs: config.auth.kioskIdleTimeoutMs,
    absoluteTimeoutMs: config.auth.absoluteTimeoutMs,
    throttle: { maxFailures: config.auth.maxLoginFailures },
    auditRetentionMs: config.auth.auditRetentionDays && config.auth.auditRetentionDays * 86_400_000,
    onAuditFailure: () => metrics.storeWriteFailures.inc({ what: 'audit' }),
    auditSpool: { spool: spools.audit, maxQueued: spools.memoryRows.audit },
  });
  // Synchronous audited actions (alarm actions) are answered once `audited.written()` resolves.
  const audited = auditedBy(
    (entry) => auth.audit(entry),
    () => auth.auditWritten(),
  );
  // The plant: the current stored version (the plant file seeds the first one).
  const plantConfig = await openPlantConfig(
    {
      repo: store.plant,
      seed: config.plant
        ? { raw: config.plant, source: 'the plant given at start' }
        : { raw: (await readPlantFile(config.plantPath)).raw, source: config.plantPath ? `plant file ${config.plantPath}` : 'the demo plant' },
      readOnly: config.plantSource === 'file',
      audited,
      log: log.child({ part: 'plant' }),
    },
    () => applyPlant,
  );
  const plant = plantConfig.plant();
  // Simulated RTU buses: pty links here; the poller opens them where the plant names the bus.
  const serialDir = join(config.dataDir, 'serial');
  /** Where simulated PLCs listen, by connection id (a test read of a simulated connection reads its simulator). */
  const simulatorEndpoints = new Map<string, Endpoint>();
  // Simulators (role all) and export jobs; a simulator waits for its process to listen.
  const supervisor = createSupervisor({
    log: log.child({ part: 'supervisor' }),
    onChange(info) {
      local?.onProcessChange(info);
      publish('process', info);
    },
  });
  const role = config.role ?? 'all';
  const historyWriter = openHistoryWriter(store, log.child({ part: 'historian' }));
  // Role web: the collectors' floor, over the Redis live bus; else this process group's own.
  // No replay window here (ring of 1): the live process serves the streams and keeps its own;
  // this process only follows the floor's state, commands and plant versions.
  const bus = role === 'web' ? await openRedisBus({ url: config.redisUrl!, keyPrefix: config.busPrefix, log, ringSize: 1 }) : undefined;
  const kpis = (request: KpiRequest) => history.alarmKpis(request);
  const local = bus
    ? undefined
    : createLocalFloor({
        plant,
        store,
        supervisor,
        historyWriter,
        audited,
        publishAlarm: (payload) => publish('alarm', payload),
        setEndpoint(id, host, port) {
          simulatorEndpoints.set(id, { host, port });
          liveLink.setEndpoint(id, host, port);
        },
        writeToPlc: (connection, request) => liveLink.write(connection, request),
        audit: (entry) => auth.audit(entry),
        kpis,
        autoStartSimulations: config.autoStartSimulations,
        serialDir,
        metrics,
        spools,
        log,
      });
  const floor: Floor = local ?? createRemoteFloor({ plant, bus: bus!, journal: store.alarms, kpis, log: log.child({ part: 'floor' }) });
  const push = createPushSender(
    { hub, repo: store.push, users: store.users, plant, log: log.child({ part: 'push' }), onAlarmPushSent: (ms) => metrics.pushLatency.observe(ms / 1000) },
    config.push,
  );
  hub.subscribe((e) => {
    if (e.event !== 'alarm') return;
    const { entry, alarm } = e.data as AlarmEventPayload;
    metrics.alarmTransitions.inc({ transition: entry.transition, priority: alarm.priority });
  });
  /** Tags with history: only ever added, so history of a tag a later version removed stays readable. */
  const knownTags = new Set<string>();
  /** Label, unit and decimals of every tag as the current plant version has them (exports state them). */
  const tagColumns = new Map<string, ExportColumn>();
  const learnTags = (p: Plant) => {
    for (const [tag, column] of exportColumnsOf(p)) {
      knownTags.add(tag);
      tagColumns.set(tag, column);
    }
  };
  learnTags(plant);
  const history = createHistoryService({ store, writer: historyWriter, knownTags, config: config.history, log: log.child({ part: 'history' }) });

  const liveLink = createLiveLink({
    plant: withSimulatedBusPaths(plant, serialDir),
    log,
    realtimePriority: config.live?.realtimePriority,
    startTimeoutMs: config.live?.startTimeoutMs,
    streamCaps: config.live?.streamCaps,
    redisBus: bus && { url: config.redisUrl!, keyPrefix: config.busPrefix },
    state: (): ServerState => ({ processes: supervisor.list(), alarms: floor.activeAlarms() }),
    onSamples: (batch) => local?.onSamples(batch),
    onPoll(connection, { seconds, ok, connect }) {
      if (!connect) metrics.pollDuration.observe({ connection }, seconds);
      if (!ok) metrics.pollErrors.inc({ connection });
    },
    onStreamOpened: ({ transport }) => metrics.streamClients.labels({ transport }).inc(),
    onStreamClosed: ({ transport }) => metrics.streamClients.labels({ transport }).dec(),
    onCoalesced: (n) => metrics.streamCoalesced.inc(n),
    onFanout(seconds) {
      for (const s of seconds) metrics.streamFanout.observe(s);
    },
  });
  /** One of the server's events: to listeners here, and to the streams (every web instance's, through the Redis bus). */
  function publish<N extends Exclude<EventName, 'sample' | 'line'>>(event: N, data: EventPayloads[N]): void {
    hub.publish(event, data);
    if (bus) bus.publish(event, data).catch((error: unknown) => log.warn({ err: error, event }, 'an event did not reach the live bus'));
    else liveLink.publish(event, data);
  }

  /** A stored version, applied live in this process group: each part takes its share of the change; the streams hear of it last. */
  const applyHere: ApplyPlant = async (next, change, { version, by }) => {
    learnTags(next);
    push.setPlant(next);
    await floor.applyPlant(next, change, by);
    liveLink.applyPlant(
      withSimulatedBusPaths(next, serialDir),
      change.connections.restarted.map((c) => c.connection),
      version,
    );
  };
  /** Role web: the collectors and the other web instances take the version from the bus (and the store). */
  const applyPlant: ApplyPlant = async (next, change, applied) => {
    await applyHere(next, change, applied);
    await bus?.publish('plant', { version: applied.version });
  };
  bus?.subscribe((e) => {
    if (e.event !== 'plant') return;
    const { version } = e.data as { version: number };
    plantConfig.adopt(version, applyHere).catch((error: unknown) => log.error({ err: error, version }, 'could not take a plant version applied elsewhere'));
  });
  // An event lost to a Redis outage: the store has the version.
  bus?.onStatus((status) => {
    if (!status.connected) return;
    store.plant.latest().then(
      (v) => v && plantConfig.adopt(v.version, applyHere),
      (error: unknown) => log.warn({ err: error }, 'could not check for a newer plant version'),
    );
  });

  const exportsDir = join(config.dataDir, 'exports');
  const jobs = createJobs({
    store,
    // Role all runs exports here and keeps their files on this box; web instances leave them
    // to the collectors' workers and serve the files those put in the store.
    results: role === 'web' ? resultsInStore(store.jobs, exportsDir) : resultsInDir(exportsDir),
    worker: role === 'web' ? undefined : { id: 'local', supervisor },
    knownTags,
    describeTag: (tag) => tagColumns.get(tag),
    // An export cannot reach past the raw history kept.
    config: { maxRangeMs: (config.history?.rawRetentionDays ?? defaultHistoryConfig.rawRetentionDays) * 86_400_000, ...config.jobs },
    publish: (job) => publish('job', job),
    log: log.child({ part: 'jobs' }),
  });
  auth.onSessionEnded((id, { byUser }) => {
    // Always: a stream handed over a moment ago may not be known here yet; the live process
    // gets this after it, on the same channel.
    liveLink.endSession(id);
    // Signed out (or ended from another device): whoever uses that device next (a shared shift
    // tablet, a lost phone) must not get this user's alarms. A timeout keeps them: on-call
    // pushes must not stop because the app was not opened.
    if (byUser) {
      for (const sub of push.service.list(byUser.userId)) {
        if (sub.session === id)
          runtime.push
            .unsubscribe(byUser.userId, sub.endpoint, byUser)
            .catch((error: unknown) => log.warn({ err: error }, 'could not unsubscribe a signed-out device'));
      }
    }
  });
  let sweepTimer: NodeJS.Timeout | undefined;

  const runtime: Runtime = {
    get plant() {
      return plantConfig.plant();
    },
    plantConfig: {
      current: () => plantConfig.current(),
      readOnly: plantConfig.readOnly,
      apply: (input, baseVersion, actor, comment) => plantConfig.apply(input, baseVersion, actor, comment),
      rollback: (version, baseVersion, actor) => plantConfig.rollback(version, baseVersion, actor),
      versions: () => plantConfig.versions(),
      version: (v) => plantConfig.version(v),
      async testRead(line, input) {
        const connection = checkConnection(line, input);
        const endpoint =
          connection.protocol === 'tcp' && (connection.port !== 0 || !connection.simulated)
            ? { host: connection.host, port: connection.port }
            : (simulatorEndpoints.get(connection.id) ?? null);
        return testRead(pollerConnection(connection, serialDir), endpoint);
      },
    },
    startedAt: Date.now(),
    log: log.child({ part: 'api' }),
    metrics,
    auth,
    alarms: floor.alarms,
    lines: () => floor.lines(),
    values: () => floor.values(),
    // Export jobs run here; simulators are here in one process group, the collectors' on a web instance.
    processes: () => (local ? supervisor.list() : [...floor.processes(), ...supervisor.list()]),
    startSimulation: (lineId, scenario, actor) => floor.startSimulation(lineId, scenario, actor),
    stopSimulation: (lineId, actor) => floor.stopSimulation(lineId, actor),
    writeTag(tag, input, { role, ...actor }) {
      const { writable } = writableTag(plantConfig.plant(), tag);
      if (writable && !roleAtLeast(role, writable.role)) {
        auth.audit({ ...actor, action: 'tag.write', target: tag, result: `refused: needs ${writable.role}`, detail: `→ ${input.value}` });
        return Promise.reject(new ForbiddenError(`writing "${tag}" needs the ${writable.role} role`, { field: 'id' }));
      }
      return floor.writeTag(tag, input, actor);
    },
    history: (tag, from, to, limit, body) => history.points(tag, from, to, limit, body),
    trend: (query, body) => history.trend(query, body),
    jobs: {
      list: () => jobs.list(),
      get: (id) => jobs.get(id),
      async startExport(params, actor) {
        const job = await jobs.create(params, actor.username);
        return audited(actor, 'job.start', `job:${job.id}`, () => jobs.enqueue(job.id), describeExport(job.params));
      },
      cancel: (id, { role, ...actor }) =>
        audited(actor, 'job.cancel', `job:${id}`, () => jobs.cancel(id, { username: actor.username, admin: role === 'admin' })),
      result: (id) => jobs.result(id),
    },
    push: {
      publicKey: () => push.service.publicKey(),
      list: (userId) => push.service.list(userId),
      subscribe: (userId, input, actor) =>
        audited(
          actor,
          'push.subscribe',
          new URL(input.endpoint).host,
          () => push.service.subscribe(userId, input),
          `lines: ${input.lines?.join(',') ?? 'all'}, from ${input.minPriority}`,
        ),
      unsubscribe: (userId, endpoint, actor) => audited(actor, 'push.unsubscribe', new URL(endpoint).host, () => push.service.unsubscribe(userId, endpoint)),
      test: (userId, endpoint) => push.service.test(userId, endpoint),
      stats: () => push.stats(),
    },
    health: () => ({
      status: bus && !bus.status().connected ? 'degraded' : 'ok',
      ...(bus && { bus: bus.status() }),
      uptimeS: Math.round((Date.now() - runtime.startedAt) / 1000),
      lines: runtime.plant.lines.length,
      streamClients: [...liveLink.streams()].length,
      historyBuffered: floor.historyBuffered(),
    }),
  };

  return {
    runtime,
    live: liveLink,
    store,
    async start() {
      const { setupToken } = await auth.bootstrap(config.auth.adminPassword);
      // The link itself is printed last, as a full URL, once the server listens (server/main.ts).
      if (setupToken) log.info('No users yet: the one-time link to create the first admin follows once the server listens.');
      sweepTimer = setInterval(() => {
        // Streams make no requests: end those whose session timed out meanwhile.
        const streamSessions = new Set([...liveLink.streams()].map((s) => s.owner.session));
        Promise.all([auth.sweep(), auth.endExpired(streamSessions)]).catch((error) => log.warn({ err: error }, 'session sweep failed; next in a minute'));
      }, 60_000);
      sweepTimer.unref();
      await floor.start();
      history.start();
      await jobs.start();
      await push.start();
      await liveLink.start();
      floor.started();
      return setupToken ? { setupPath: `/setup?token=${setupToken}` } : {};
    },
    async stop() {
      clearInterval(sweepTimer);
      await jobs.stop();
      await history.stop();
      await supervisor.stopAll(3000);
      await liveLink.stop();
      await floor.stop();
      await push.stop();
      await bus?.close();
      await auth.flushAudit();
      await spools.close();
      await store.close();
      metrics.close();
    },
  };
}
