import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { ProcessInfo } from '../../lib/types.ts';
import { createAlarmEngine } from '../alarms/alarm-engine.ts';
import { answeredWhenDurable } from '../alarms/durable-actions.ts';
import { createJournalWriter } from '../alarms/journal-writer.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import type { DurableAudited } from '../auth/audited.ts';
import { createHistorian } from '../historian/historian.ts';
import type { HistoryWriter } from '../historian/history-writer.ts';
import { deadbandsOf } from '../history/history-service.ts';
import type { SampleBatch } from '../poller/poller.ts';
import { createLiveState } from '../live/live-state.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Spools } from '../spool/open-spools.ts';
import { createSimulations } from '../simulation/simulations.ts';
import type { Store } from '../storage/store.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import type { WriteRequest } from '../poller/messages.ts';
import type { AuditEntry } from '../storage/store.ts';
import { createTagWriter } from '../writes/tag-writer.ts';
import type { Floor } from './floor.ts';

export interface LocalFloor extends Floor {
  /** Every sample batch the live process polled. */
  onSamples(batch: SampleBatch): void;
  /** The supervisor's status changes (simulators wait for theirs). */
  onProcessChange(info: ProcessInfo): void;
}

/**
 * The floor collected in this process group (role `all`): the live process polls, and its
 * sample batches reach here for the current values, the alarm engine and the historian;
 * simulators are this supervisor's children.
 */
export function createLocalFloor(options: {
  plant: Plant;
  store: Store;
  supervisor: Supervisor;
  historyWriter: HistoryWriter;
  /** Audits actions; alarm actions are answered once its rows are durable (`written()`). */
  audited: DurableAudited;
  publishAlarm(payload: AlarmEventPayload): void;
  /** Points a connection at its simulator once it listens (the live process's poller). */
  setEndpoint(connection: string, host: string, port: number): void;
  kpis(request: KpiRequest): Promise<AlarmKpis>;
  autoStartSimulations: boolean;
  /** Where simulated RTU buses put their pty links (simulations.ts). */
  serialDir: string;
  metrics: Metrics;
  /** Sends an encoded write on a connection (the live process's poller); when the PLC answered. */
  writeToPlc(connection: string, request: WriteRequest): Promise<number>;
  /** Appends an audit row (the auth service's queue). */
  audit(entry: Omit<AuditEntry, 'ts'>): void;
  /** Store-and-forward: samples and journal entries past their memory bounds wait here for the database. */
  spools?: Pick<Spools, 'samples' | 'journal' | 'memoryRows'>;
  log: Logger;
}): LocalFloor {
  const { store, metrics, audited } = options;
  let plant = options.plant;
  // Current values and line states for the API, from the live process's sample batches.
  const live = createLiveState(plant);
  const historian = createHistorian(store, {
    writer: options.historyWriter,
    log: options.log.child({ part: 'historian' }),
    onCommitted: (n) => metrics.samplesCommitted.inc(n),
    onDropped: (n) => metrics.samplesDropped.inc(n),
    deadbands: deadbandsOf(plant),
    ...(options.spools && { spool: options.spools.samples, maxBuffered: options.spools.memoryRows.samples }),
  });
  const journal = createJournalWriter({
    store: store.alarms,
    log: options.log.child({ part: 'alarms' }),
    ...(options.spools && { spool: options.spools.journal, maxQueued: options.spools.memoryRows.journal }),
    onWriteFailure: () => metrics.storeWriteFailures.inc({ what: 'alarm-journal' }),
  });
  const alarms = createAlarmEngine({
    plant,
    store: store.alarms,
    publish: options.publishAlarm,
    audited,
    log: options.log.child({ part: 'alarms' }),
    kpis: options.kpis,
    journal,
  });
  const simulations = createSimulations({
    plant,
    supervisor: options.supervisor,
    onEndpoint: options.setEndpoint,
    serialDir: options.serialDir,
    // An operator's start or stop outlasts a restart (simulations.ts `resumeAll`).
    choices: store.simulations,
    log: options.log.child({ part: 'simulations' }),
  });
  const writer = createTagWriter({ plant: () => plant, value: (tag) => live.value(tag), send: options.writeToPlc, audit: options.audit });

  return {
    lines: () => live.lines(),
    values: () => live.values(),
    processes: () => options.supervisor.list(),
    // Answered once the journal entries and audit rows are committed (or spooled, the database
    // away): the history writer thread holds the write lock per batch, and a commit that finds
    // it busy is retried a little later.
    alarms: answeredWhenDurable(alarms.service, { journal, audited }),
    activeAlarms: () => alarms.active(),
    startSimulation: (lineId, scenario, actor) =>
      audited(actor, 'simulation.start', lineId, () => simulations.startByOperator(lineId, scenario, actor.username), scenario),
    stopSimulation: (lineId, actor) => audited(actor, 'simulation.stop', lineId, () => simulations.stopByOperator(lineId, actor.username)),
    historyBuffered: () => historian.buffered(),
    writeTag: (tag, input, actor) => writer.write(tag, input, actor),
    onSamples({ line, samples, readAt }) {
      writer.onBatch({ readAt, samples });
      metrics.samples.inc(samples.length);
      live.apply(line, samples);
      alarms.onSamples(samples);
      historian.append(samples);
    },
    onProcessChange: (info) => simulations.onProcessChange(info),
    async applyPlant(next, change, by) {
      plant = next;
      live.setPlant(next);
      alarms.applyPlant(next, by);
      historian.setDeadbands(deadbandsOf(next));
      await simulations.applyPlant(
        next,
        change.simulators.map((c) => c.connection),
      );
    },
    async start() {
      await historian.start();
      // What a previous run spooled first: the alarm states restored next are then the last ones.
      await journal.start();
      await alarms.start();
    },
    started() {
      // As operators chose last, else as the plant says (LINEWATCH_SIMULATE: its default only).
      void simulations.resumeAll(options.autoStartSimulations);
    },
    async stop() {
      await alarms.stop();
      await journal.stop();
      await historian.stop();
    },
  };
}
