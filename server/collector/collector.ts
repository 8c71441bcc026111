import { hostname } from 'node:os';
import type { EventName, EventPayloads } from '../../lib/types.ts';
import { join } from 'node:path';
import { createJournalWriter } from '../alarms/journal-writer.ts';
import { createAuditQueue } from '../auth/audit-queue.ts';
import { auditedBy } from '../auth/audited.ts';
import { type LiveBus, lineOwner } from '../bus/live-bus.ts';
import { openRedisBus } from '../bus/redis-bus.ts';
import type { Config } from '../config.ts';
import { createHistorian } from '../historian/historian.ts';
import { openHistoryWriter } from '../historian/open-history-writer.ts';
import { deadbandsOf } from '../history/history-service.ts';
import { loadPlant, parsePlant } from '../plant/load-plant.ts';
import { planChange } from '../plant/plan-change.ts';
import { withSimulatedBusPaths } from '../simulation/simulated-buses.ts';
import { createSimulations } from '../simulation/simulations.ts';
import { createHub } from '../hub/hub.ts';
import { exportColumnsOf } from '../jobs/csv.ts';
import { resultsInStore } from '../jobs/job-results.ts';
import { createJobWorker } from '../jobs/job-worker.ts';
import { defaultJobsConfig } from '../jobs/jobs.ts';
import { createPushSender } from '../push/push-sender.ts';
import { openSpools } from '../spool/open-spools.ts';
import { openStore, storeLocation } from '../storage/open-store.ts';
import { createSupervisor } from '../supervisor/supervisor.ts';
import { createLeaseKeeper } from './lease-keeper.ts';
import { createLineUnit, type LineUnit } from './line-unit.ts';
import { openRedisLiveness } from './redis-liveness.ts';

export interface Collector {
  readonly id: string;
  readonly bus: LiveBus;
  /** Lines this collector collects now. */
  lines(): string[];
  /** Gives every line up (others take them at once), then stops simulators, history (flushed), bus and store. */
  stop(): Promise<void>;
}

/**
 * The collector role: for each line it holds the lease on (lease-keeper.ts), polls the
 * line's PLCs, evaluates its alarms and runs its simulated PLCs (line-unit.ts); writes the
 * history of them all; publishes samples, line states, alarms and processes on the Redis
 * live bus; and executes the commands a web instance sends to a line's owner. Any number of
 * collectors share the plant's lines; one that dies has its lines taken over within a lease
 * time (6 s) plus a round (2 s).
 */
export async function startCollector(config: Config): Promise<Collector> {
  const id = config.collectorId ?? `${hostname()}-${process.pid}`;
  const log = config.log.child({ collector: id });
  const store = await openStore(storeLocation(config), { log: log.child({ part: 'store' }), waitMs: config.databaseWaitMs });
  // The version a web instance stored (and applied) last; the file until one did. Versions
  // applied later come as `plant` events on the bus (see `adopt`).
  const stored = await store.plant.latest();
  let plant = stored ? parsePlant(stored.plant, `stored plant version ${stored.version}`) : (config.plant ?? (await loadPlant(config.plantPath)));
  let version = stored?.version ?? 0;
  const bus = await openRedisBus({ url: config.redisUrl!, log, keyPrefix: config.busPrefix });
  // Liveness beside the leases: a database outage does not stop collecting (lease-keeper.ts).
  const liveness = await openRedisLiveness({ url: config.redisUrl!, keyPrefix: config.busPrefix, log });
  // Alarm pushes are sent by the line's owner: once per alarm however many web instances run.
  const alarmEvents = createHub({ ringSize: 1 });
  const publish = <N extends EventName>(event: N, data: EventPayloads[N]) => {
    // Lost to a Redis outage: the streams resync from the owners' snapshots; history and
    // alarms (the store's) lose nothing.
    bus.publish(event, data).catch(() => {});
    if (event === 'alarm') alarmEvents.publish(event, data);
  };
  const push = createPushSender(
    // Devices subscribe on the web instances: their subscriptions are read again every 10 s.
    { hub: alarmEvents, repo: store.push, users: store.users, plant, log: log.child({ part: 'push' }), reloadSubscriptionsMs: 10_000 },
    config.push,
  );
  // Store-and-forward: what the database cannot take now waits in memory, then in <data>/spool.
  const spools = await openSpools({ dir: join(config.dataDir, 'spool'), config: config.spool, log: log.child({ part: 'spool' }) });
  const audit = createAuditQueue((entry) => store.audit.append(entry), {
    log: log.child({ part: 'audit' }),
    spool: spools.audit,
    maxQueued: spools.memoryRows.audit,
  });
  const audited = auditedBy(
    (entry) => audit.append({ ts: Date.now(), target: null, detail: null, ...entry }),
    () => audit.written(),
  );
  const historyLog = log.child({ part: 'historian' });
  const historian = createHistorian(store, {
    writer: openHistoryWriter(store, historyLog),
    log: historyLog,
    deadbands: deadbandsOf(plant),
    spool: spools.samples,
    maxBuffered: spools.memoryRows.samples,
  });
  // One journal writer for every line's engine: one order of commits, one spool.
  const journal = createJournalWriter({
    store: store.alarms,
    log: log.child({ part: 'alarms' }),
    spool: spools.journal,
    maxQueued: spools.memoryRows.journal,
  });

  const units = new Map<string, LineUnit>();
  const unitOfConnection = (connection: string) => {
    const line = plant.lines.find((l) => l.connections.some((c) => c.id === connection));
    return line && units.get(line.id);
  };
  const supervisor = createSupervisor({
    log: log.child({ part: 'supervisor' }),
    onChange(info) {
      simulations.onProcessChange(info);
      publish('process', info);
    },
  });
  const serialDir = join(config.dataDir, 'serial');
  const simulations = createSimulations({
    plant,
    supervisor,
    serialDir,
    // Operators' starts and stops: kept by a line's owner, followed by its next (line-unit.ts).
    choices: store.simulations,
    log: log.child({ part: 'simulations' }),
    onEndpoint: (connection, host, port) => unitOfConnection(connection)?.setEndpoint(connection, host, port),
  });
  // Exports: claimed from the store's queue, files kept in the store for any web instance.
  let exportColumns = exportColumnsOf(plant);
  const jobWorker = createJobWorker({
    id,
    store,
    supervisor,
    results: resultsInStore(store.jobs, join(config.dataDir, 'exports')),
    describeTag: (tag) => exportColumns.get(tag),
    publish: (job) => publish('job', job),
    config: { ...defaultJobsConfig, ...config.jobs },
    log: log.child({ part: 'jobs' }),
  });
  /** Stops serving a line's commands, by line. */
  const unserve = new Map<string, () => Promise<void>>();

  const keeper = createLeaseKeeper({
    leases: store.leases,
    liveness,
    holder: id,
    resources: plant.lines.map((l) => lineOwner(l.id)),
    log,
    onGained(resource, token) {
      // Its poller opens a simulated RTU bus where the simulations put it.
      const pollerPlant = withSimulatedBusPaths(plant, serialDir);
      const line = pollerPlant.lines.find((l) => lineOwner(l.id) === resource)!;
      const unit = createLineUnit({
        plant: pollerPlant,
        line,
        token,
        alarmStore: store.alarms,
        journal,
        publish,
        onSamples: (samples) => historian.append(samples),
        audited,
        audit: (entry) => audit.append({ ts: Date.now(), ...entry }),
        simulations,
        autoStartSimulation: config.autoStartSimulations,
        processes: () => supervisor.list(),
        log,
      });
      units.set(line.id, unit);
      unit
        .start()
        .then(() => bus.serve(resource, (request) => unit.handle(request)))
        .then((stop) => {
          if (units.get(line.id) === unit) unserve.set(line.id, stop);
          else void stop();
        })
        .catch((error: unknown) => log.error({ err: error, line: line.id }, 'could not start collecting a line'));
    },
    onLost(resource) {
      const lineId = resource.slice(lineOwner('').length);
      const unit = units.get(lineId);
      units.delete(lineId);
      void unserve.get(lineId)?.();
      unserve.delete(lineId);
      // Polling stops within this call (its loops are aborted); the promise ends with its sockets closed.
      return unit?.stop();
    },
  });

  /**
   * A version a web instance applied (its `plant` event on the bus): each line this collector
   * owns takes its share of the change; lines added are shared out by the leases, lines removed
   * end their alarms and are given up. Versions are taken in order, each once.
   */
  let adopting: Promise<void> = Promise.resolve();
  function adopt(next: number): void {
    adopting = adopting.then(async () => {
      if (next <= version) return;
      try {
        const stored = await store.plant.get(next);
        if (!stored) throw new Error(`plant version ${next} is not in the store`);
        const nextPlant = parsePlant(stored.plant, `stored plant version ${next}`);
        const change = planChange(plant, nextPlant);
        const by = { user: stored.appliedBy, comment: `plant version ${next}: ${stored.comment ?? 'applied'}` };
        plant = nextPlant;
        version = next;
        exportColumns = exportColumnsOf(nextPlant);
        historian.setDeadbands(deadbandsOf(nextPlant));
        push.setPlant(nextPlant);
        const pollerPlant = withSimulatedBusPaths(nextPlant, serialDir);
        await Promise.all([...units.values()].map((unit) => unit.applyPlant(pollerPlant, change, by)));
        await simulations.applyPlant(
          nextPlant,
          change.simulators.filter((c) => units.has(c.line)).map((c) => c.connection),
        );
        await keeper.setResources(nextPlant.lines.map((l) => lineOwner(l.id)));
        log.info({ version: next, changes: change.summary.length }, 'plant version applied');
      } catch (error) {
        log.error({ err: error, version: next }, 'could not apply a plant version; restart the collector to take it');
      }
    });
  }
  bus.subscribe((e) => {
    if (e.event === 'plant') adopt((e.data as { version: number }).version);
  });
  // An event lost to a Redis outage: the store has the version.
  bus.onStatus((status) => {
    if (status.connected)
      void store.plant.latest().then(
        (v) => v && adopt(v.version),
        () => {},
      );
  });

  await historian.start();
  await journal.start();
  await push.start();
  audit.resume();
  keeper.start();
  await jobWorker.start();
  log.info({ lines: plant.lines.length }, 'collector started; taking a share of the lines');

  return {
    id,
    bus,
    lines: () => [...units.keys()],
    async stop() {
      const stopping = [...units.values()];
      await keeper.stop();
      await Promise.all(stopping.map((unit) => unit.stop()));
      await jobWorker.stop();
      await supervisor.stopAll(3000);
      await push.stop();
      await historian.stop();
      await journal.stop();
      await audit.drain(5000);
      await spools.close();
      await liveness.close();
      await bus.close();
      await store.close();
    },
  };
}
