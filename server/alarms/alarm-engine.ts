import { isDeepStrictEqual } from 'node:util';
import { compareAlarms, type AlarmEventPayload, type AlarmJournalEntry, type AlarmKpis, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import { tagId } from '../../lib/plant/schema.ts';
import type { Sample } from '../../lib/types.ts';
import { AlarmStateError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { Actor, Audited } from '../auth/audited.ts';
import type { AlarmJournalQuery, AlarmRepository, StoredAlarmState, WriteFence } from '../storage/store.ts';
import { alarmDefinitions, commAlarmId } from './alarm-definitions.ts';
import { createJournalWriter, type JournalWriter } from './journal-writer.ts';
import { checkKpiPeriod, kpisOfJournal, type KpiRequest } from './alarm-kpis.ts';
import type { Logger } from '../log/logger.ts';
import {
  acknowledge,
  evaluate,
  initialAlarmState,
  isQuiet,
  nextDeadline,
  redefined,
  removeFromPlant,
  removeFromService,
  returnToService,
  shelve,
  stateName,
  unshelve,
  withChanges,
  type ActionBy,
  type AlarmEvent,
  type AlarmState,
  type Step,
} from './evaluate.ts';

export interface AlarmEngineOptions {
  plant: Plant;
  store: AlarmRepository;
  /** Puts an alarm transition on the live stream (the hub's `alarm` event). */
  publish(payload: AlarmEventPayload): void;
  audited: Audited;
  log: Logger;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Reads the journal and computes the KPIs off the main thread (the query pool's
   * `alarmKpis`): a period may hold a month of journal. Default: on this thread, from `store`.
   */
  kpis?: (request: KpiRequest) => Promise<AlarmKpis>;
  /**
   * Where transitions are written: the process's journal writer, shared by its engines (with
   * its spool), started and stopped by its owner. Default: one of the engine's own on `store`.
   */
  journal?: JournalWriter;
  /** Called each time writing the journal fails for another reason than a busy database: for /metrics (the engine's own writer). */
  onWriteFailure?: () => void;
  /**
   * The lease its line is owned under (a collector's engine): raised in the store before the
   * states are read, and carried by every state it writes, so a former owner's late writes
   * never overwrite this engine's (store.ts `WriteFence`). None in role `all`.
   */
  fence?: WriteFence;
}

type Awaitable<T> = T | Promise<T>;

export interface AcknowledgeResult {
  acknowledged: AlarmView[];
  skipped: { id: string; reason: string }[];
}

/**
 * Alarm reads and operator actions, as route handlers reach them through the runtime. Actions
 * are answered once their journal entries and audit rows are durable (committed, or spooled
 * while the database is away; durable-actions.ts): in one process group once the local
 * engine's are, on a web instance once the line's owner answered (it waits the same way,
 * line-unit.ts).
 */
export interface AlarmService {
  /** Alarms that are not quiet (or every alarm with `all`), highest priority first, then newest. */
  list(filter?: { line?: string; all?: boolean }): AlarmView[];
  get(id: string): AlarmView;
  /**
   * Acknowledges each alarm (one audit row each). With several ids, those whose state does
   * not allow it (acknowledged meanwhile, say from another tab) are skipped and reported;
   * AlarmStateError when none could be, NotFoundError (field `ids[i]`) for an unknown id.
   */
  acknowledge(ids: readonly string[], comment: string | undefined, actor: Actor): Awaitable<AcknowledgeResult>;
  shelve(id: string, durationMs: number, reason: string, actor: Actor): Awaitable<AlarmView>;
  unshelve(id: string, comment: string | undefined, actor: Actor): Awaitable<AlarmView>;
  removeFromService(id: string, reason: string, actor: Actor): Awaitable<AlarmView>;
  returnToService(id: string, comment: string | undefined, actor: Actor): Awaitable<AlarmView>;
  /** Newest first; `nextBefore` is the cursor of the next (older) page, null at the end. */
  journal(q: AlarmJournalQuery): Promise<{ entries: AlarmJournalEntry[]; nextBefore: number | null }>;
  /** KPIs of [from, to) (at most 31 days), counting journal entries not written yet. */
  kpis(from: number, to: number): Promise<AlarmKpis>;
}

/** The local engine's service: its actions are done when they return. */
export interface EngineAlarmService extends AlarmService {
  acknowledge(ids: readonly string[], comment: string | undefined, actor: Actor): AcknowledgeResult;
  shelve(id: string, durationMs: number, reason: string, actor: Actor): AlarmView;
  unshelve(id: string, comment: string | undefined, actor: Actor): AlarmView;
  removeFromService(id: string, reason: string, actor: Actor): AlarmView;
  returnToService(id: string, comment: string | undefined, actor: Actor): AlarmView;
}

export interface AlarmEngine {
  readonly service: EngineAlarmService;
  /** Restores the persisted states (active, unacknowledged, shelved, out of service) and arms the timers. */
  start(): Promise<void>;
  /** Clears the timer; with a journal writer of its own, writes what is still queued (2 s at most). A second call is harmless. */
  stop(): Promise<void>;
  /** Evaluates one batch of samples (call after the live state took it). Synchronous and cheap. */
  onSamples(samples: readonly Sample[]): void;
  /** Alarms that are not quiet, for the stream snapshot. */
  active(): AlarmView[];
  /**
   * Goes over to a new plant version: alarms gone from it end with a `removed` journal entry
   * (`by`: who applied it, and why), changed ones keep their state under the new definition
   * and are evaluated again at once with their last value, new ones start normal.
   */
  applyPlant(next: Plant, by: ActionBy): void;
}

interface Entry {
  state: AlarmState;
  /** Journal seq of the last transition. */
  seq: number;
}

interface ConnectionHealth {
  alarm: Entry | undefined;
  /** Tags of the connection with good quality now. */
  good: number;
  /** The comm-loss input last evaluated (1 lost, 0 ok), -1 before the first batch. */
  fed: number;
}

/** Where one tag's samples go: its alarms and its connection's health. */
interface TagRoute {
  alarms: Entry[];
  health: ConnectionHealth;
  good: boolean;
}

/**
 * Where each tag's samples go. Rebuilt for each plant version; a tag's last quality and a
 * connection's comm-loss input carry over from `previous`, so a version that leaves a
 * connection alone does not look like a loss or a recovery.
 */
function routesOf(plant: Plant, entries: ReadonlyMap<string, Entry>, previous: ReadonlyMap<string, TagRoute>): Map<string, TagRoute> {
  const routes = new Map<string, TagRoute>();
  for (const line of plant.lines) {
    for (const c of line.connections) {
      const ids = c.tags.map((t) => tagId(line.id, t.name));
      const before = ids.map((id) => previous.get(id)).find((r) => r !== undefined);
      const health: ConnectionHealth = { alarm: entries.get(commAlarmId(line.id, c.id)), good: 0, fed: before?.health.fed ?? -1 };
      for (const id of ids) {
        const good = previous.get(id)?.good ?? false;
        if (good) health.good++;
        routes.set(id, { alarms: [], health, good });
      }
    }
  }
  for (const e of entries.values()) if (e.state.def.tag) routes.get(e.state.def.tag)?.alarms.push(e);
  return routes;
}

/** An alarm as the API and the streams show it: its definition, state and last journal seq. */
export function alarmView(s: AlarmState, seq: number): AlarmView {
  const d = s.def;
  return {
    id: d.id,
    line: d.line,
    tag: d.tag,
    connection: d.connection,
    kind: d.kind,
    label: d.label,
    message: d.message,
    priority: d.priority,
    limit: d.limit,
    deadband: d.deadband,
    unit: d.unit,
    decimals: d.decimals,
    maxShelveMs: d.maxShelveMs,
    state: stateName(s),
    active: s.active,
    acknowledged: s.acked,
    value: s.value,
    quality: s.quality,
    activeSince: s.activeSince,
    lastChange: s.lastChange,
    ack: s.ack,
    shelved: s.shelved,
    outOfService: s.outOfService,
    seq,
  };
}

/** Journal seqs reserved at a time: a restart leaves the rest of its block unused (seqs are 64-bit). */
const seqBlockSize = 100_000;

/**
 * Journal seqs from blocks reserved in the database (`reserveSeqs`): numbered in memory, so a
 * transition is published without waiting, and unique across engines sharing the database.
 * The next block is reserved in the background as soon as one is taken.
 */
function createSeqBlocks(store: Pick<AlarmRepository, 'reserveSeqs'>, log: Logger) {
  let next = 0;
  let end = 0;
  let spare: number | undefined;
  let reserving = false;

  function reserveSpare(): void {
    if (spare !== undefined || reserving) return;
    reserving = true;
    store.reserveSeqs(seqBlockSize).then(
      (first) => {
        spare = first;
        reserving = false;
      },
      (error: unknown) => {
        reserving = false;
        log.warn({ err: error }, 'could not reserve journal seqs; trying again with the next transition');
      },
    );
  }

  return {
    async start(): Promise<void> {
      next = await store.reserveSeqs(seqBlockSize);
      end = next + seqBlockSize;
      reserveSpare();
    },
    next(): number {
      if (next >= end) {
        if (spare !== undefined) {
          next = spare;
          end = spare + seqBlockSize;
          spare = undefined;
        } else {
          // 100 000 transitions before one reservation came back: numbering on beats stalling the
          // alarms, at the risk of a seq another engine holds (the second entry with it would not be written).
          log.error({ seq: next }, 'journal seqs ran out before the next block was reserved; numbering on');
          end = next + seqBlockSize;
        }
      }
      if (spare === undefined) reserveSpare();
      return next++;
    },
  };
}

/**
 * The alarm engine's shell around the pure core (evaluate.ts): it routes samples to their
 * alarms, derives each connection's comm-loss input from tag quality, runs one timer for
 * the earliest pending delay or shelving expiry (so delays complete without new samples),
 * writes every transition (journal + current state) in one transaction, then publishes it.
 * Everything is synchronous and proportional to the batch: it never waits.
 */
export function createAlarmEngine(options: AlarmEngineOptions): AlarmEngine {
  const { store, log, audited } = options;
  const clock = options.now ?? Date.now;
  let plant = options.plant;
  const entries = new Map<string, Entry>();
  for (const def of alarmDefinitions(plant)) entries.set(def.id, { state: initialAlarmState(def), seq: 0 });
  let routes = routesOf(plant, entries, new Map());

  /** Alarms with a deadline (pending delay or shelving). */
  const timed = new Set<Entry>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let stopped = false;
  const seqs = createSeqBlocks(store, log);
  const ownJournal = options.journal === undefined;
  const journal = options.journal ?? createJournalWriter({ store, log, onWriteFailure: options.onWriteFailure });

  const view = (e: Entry): AlarmView => alarmView(e.state, e.seq);

  function stored(e: Entry): StoredAlarmState {
    const s = e.state;
    return {
      id: s.def.id,
      active: s.active,
      acked: s.acked,
      value: s.value,
      quality: s.quality,
      activeSince: s.activeSince,
      lastChange: s.lastChange,
      ack: s.ack,
      shelved: s.shelved,
      outOfService: s.outOfService,
      seq: e.seq,
    };
  }

  /** Collects the transitions of one evaluation round, then writes and publishes them together. */
  function createRound() {
    const events: AlarmEvent[] = [];
    const changed = new Map<string, Entry>();
    return {
      apply(e: Entry, step: Step): void {
        e.state = step.state;
        if (nextDeadline(step.state) === null) timed.delete(e);
        else timed.add(e);
        if (step.events.length === 0) return;
        events.push(...step.events);
        changed.set(step.state.def.id, e);
      },
      flush(): void {
        if (events.length > 0) commitAndPublish(events, changed);
        arm();
      },
    };
  }

  /**
   * Gives each transition the next journal seq, tries to write it (never waiting for the
   * database), then publishes it — the live alarm does not wait for its journal row. What
   * could not be written stays queued, in order, and is retried on a timer.
   */
  function commitAndPublish(events: AlarmEvent[], changed: Map<string, Entry>): void {
    const saved = events.map((e): AlarmJournalEntry => ({ ...e, seq: seqs.next() }));
    for (const entry of saved) entries.get(entry.alarm)!.seq = entry.seq;
    journal.enqueue(
      saved,
      [...changed.values()].map((e) => ({ state: stored(e), keep: !isQuiet(e.state), ...(options.fence && { fence: options.fence }) })),
    );
    for (const entry of saved) options.publish({ line: entry.line, entry, alarm: view(entries.get(entry.alarm)!) });
  }

  /** Queued (not yet written) entries that a journal query would return, newest first. */
  function unsavedMatching(q: AlarmJournalQuery): AlarmJournalEntry[] {
    const needle = q.tag?.toLowerCase();
    return journal
      .queued()
      .filter(
        (e) =>
          (!q.line || e.line === q.line) &&
          (!q.alarm || e.alarm === q.alarm) &&
          (!needle || e.alarm.toLowerCase().includes(needle) || e.label.toLowerCase().includes(needle)) &&
          (!q.priority || e.priority === q.priority) &&
          (!q.transition || e.transition === q.transition) &&
          (!q.user || e.user?.toLowerCase() === q.user.toLowerCase()) &&
          (q.from === undefined || e.ts >= q.from) &&
          (q.to === undefined || e.ts <= q.to) &&
          (q.before === undefined || e.seq < q.before),
      )
      .reverse();
  }

  function arm(): void {
    if (stopped) return;
    let at = Infinity;
    for (const e of timed) at = Math.min(at, nextDeadline(e.state) ?? Infinity);
    if (at === timerAt) return;
    clearTimeout(timer);
    timer = undefined;
    timerAt = at;
    if (at === Infinity) return;
    timer = setTimeout(onTimer, Math.max(1, at - clock()));
    timer.unref();
  }

  function onTimer(): void {
    timer = undefined;
    timerAt = Infinity;
    const now = clock();
    const round = createRound();
    for (const e of [...timed]) {
      const at = nextDeadline(e.state);
      if (at !== null && at <= now) round.apply(e, evaluate(e.state, null, now));
    }
    round.flush();
  }

  function entryOf(id: string, field = 'id'): Entry {
    const e = entries.get(id);
    if (!e) throw new NotFoundError(`no alarm "${id}"`, { field });
    return e;
  }

  /** One operator action on one alarm, audited; returns the alarm after it. */
  function act(id: string, action: string, actor: Actor, detail: string | undefined, run: (s: AlarmState, now: number) => Step, field = 'id'): AlarmView {
    return audited(
      actor,
      action,
      id,
      () => {
        const e = entryOf(id, field);
        const round = createRound();
        round.apply(e, run(e.state, clock()));
        round.flush();
        return view(e);
      },
      detail,
    );
  }

  function sortAlarms(list: AlarmView[]): AlarmView[] {
    return list.sort(compareAlarms);
  }

  function active(): AlarmView[] {
    const out: AlarmView[] = [];
    for (const e of entries.values()) if (!isQuiet(e.state)) out.push(view(e));
    return sortAlarms(out);
  }

  const service: EngineAlarmService = {
    list(filter = {}) {
      const out: AlarmView[] = [];
      for (const e of entries.values()) {
        if (filter.line && e.state.def.line !== filter.line) continue;
        if (filter.all || !isQuiet(e.state)) out.push(view(e));
      }
      return sortAlarms(out);
    },
    get: (id) => view(entryOf(id)),
    acknowledge(ids, comment, actor) {
      const unique = [...new Set(ids)];
      for (const [i, id] of ids.entries()) entryOf(id, `ids[${i}]`);
      const acknowledged: AlarmView[] = [];
      const skipped: { id: string; reason: string }[] = [];
      for (const id of unique) {
        try {
          acknowledged.push(act(id, 'alarm.ack', actor, comment, (s, now) => acknowledge(s, { user: actor.username, comment }, now), 'ids'));
        } catch (error) {
          if (!(error instanceof AlarmStateError) || unique.length === 1) throw error;
          skipped.push({ id, reason: error.message });
        }
      }
      if (acknowledged.length === 0) throw new AlarmStateError(`none of the ${unique.length} alarms needed acknowledging: ${skipped[0]!.reason}`);
      return { acknowledged, skipped };
    },
    shelve(id, durationMs, reason, actor) {
      return act(id, 'alarm.shelve', actor, `${Math.round(durationMs / 60_000)} min: ${reason}`, (s, now) =>
        shelve(s, { user: actor.username, reason, durationMs }, now),
      );
    },
    unshelve(id, comment, actor) {
      return act(id, 'alarm.unshelve', actor, comment, (s, now) => unshelve(s, { user: actor.username, comment }, now));
    },
    removeFromService(id, reason, actor) {
      return act(id, 'alarm.out-of-service', actor, reason, (s, now) => removeFromService(s, { user: actor.username, reason }, now));
    },
    returnToService(id, comment, actor) {
      return act(id, 'alarm.return-to-service', actor, comment, (s, now) => returnToService(s, { user: actor.username, comment }, now));
    },
    async journal(q) {
      if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new ValidationError('"from" is after "to"', { field: 'from' });
      // Queued entries are newer than every written one: they come first. Read after the
      // store answers: an entry written meanwhile has left the queue and is in that answer.
      const older = await store.journal({ ...q, limit: q.limit });
      const queued = unsavedMatching(q);
      const oldestQueued = queued.at(-1)?.seq ?? Infinity;
      const list = [...queued, ...older.filter((e) => e.seq < oldestQueued)].slice(0, q.limit);
      return { entries: list, nextBefore: list.length === q.limit ? list.at(-1)!.seq : null };
    },
    async kpis(from, to) {
      checkKpiPeriod(from, to);
      const request: KpiRequest = {
        from,
        to,
        now: clock(),
        active: active(),
        queued: journal
          .queued()
          .filter((e) => e.transition === 'raised' && e.ts >= from && e.ts < to)
          .map((e) => ({ seq: e.seq, ts: e.ts, alarm: e.alarm, message: e.message, line: e.line, priority: e.priority, suppressed: e.suppressed })),
      };
      if (options.kpis) return options.kpis(request);
      return kpisOfJournal(await store.activations(from, to), await store.lastSeq(), request);
    },
  };

  return {
    service,
    async start() {
      const servedLines = new Set(plant.lines.map((l) => l.id));
      // A newer owner holds the fence: this one's lease is gone (its keeper stops it soon).
      if (options.fence && !(await store.raiseFence(options.fence)))
        throw new Error(`${options.fence.resource} is owned under a newer lease than ${options.fence.token}`);
      await seqs.start();
      // Transitions a previous run spooled first: the states read next are then the last ones.
      if (ownJournal) await journal.start();
      let restored = 0;
      let unacked = 0;
      const unknown: string[] = [];
      for (const row of await store.loadStates()) {
        const e = entries.get(row.id);
        if (!e) {
          // Another line's (a collector's engine serves the lines it owns): not unknown, not ours.
          if (!servedLines.has(row.id.slice(0, row.id.indexOf('.')))) continue;
          unknown.push(row.id);
          continue;
        }
        const { id: _id, seq, ...fields } = row;
        e.state = withChanges(e.state, { ...fields, pending: null });
        e.seq = seq;
        if (nextDeadline(e.state) !== null) timed.add(e);
        restored++;
        if (!e.state.acked) unacked++;
      }
      if (restored > 0) log.info({ restored, unacknowledged: unacked }, 'restored alarm states');
      if (unknown.length > 0) log.warn({ count: unknown.length, first: unknown.slice(0, 5) }, 'ignoring stored state of alarms no longer in the plant file');
      arm();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      // A shared writer goes on with what this engine queued; its owner stops it.
      if (ownJournal) await journal.stop();
    },
    onSamples(samples) {
      if (stopped) return;
      const now = clock();
      const round = createRound();
      let touched: ConnectionHealth | ConnectionHealth[] | undefined;
      for (const s of samples) {
        const route = routes.get(s.tag);
        if (!route) continue;
        for (const e of route.alarms) round.apply(e, evaluate(e.state, s, now));
        // A PLC that answers with an exception (a wrong address: a configuration error) is
        // not a lost link: its tags are bad, but it is no comm loss.
        const good = s.quality === 'good' || s.reason?.startsWith('exception ') === true;
        if (good !== route.good) {
          route.good = good;
          route.health.good += good ? 1 : -1;
        }
        // A batch comes from one connection: no set needed for the usual case.
        if (touched === undefined) touched = route.health;
        else if (touched !== route.health) touched = [...(Array.isArray(touched) ? touched : [touched]), route.health];
      }
      for (const h of touched === undefined ? [] : Array.isArray(touched) ? touched : [touched]) {
        const lost = h.good === 0 ? 1 : 0;
        // Fed only when "lost" changes; a pending delay completes on the timer.
        if (!h.alarm || lost === h.fed) continue;
        h.fed = lost;
        round.apply(h.alarm, evaluate(h.alarm.state, { value: lost, quality: 'good' }, now));
      }
      round.flush();
    },
    active,
    applyPlant(next, by) {
      const now = clock();
      const definitions = new Map(alarmDefinitions(next).map((def) => [def.id, def]));
      const round = createRound();
      const gone: string[] = [];
      for (const [id, e] of entries) {
        if (definitions.has(id)) continue;
        gone.push(id);
        if (!isQuiet(e.state)) round.apply(e, removeFromPlant(e.state, by, now));
        timed.delete(e);
      }
      for (const [id, def] of definitions) {
        const e = entries.get(id);
        if (!e) entries.set(id, { state: initialAlarmState(def), seq: 0 });
        else if (!isDeepStrictEqual(e.state.def, def)) round.apply(e, evaluate(redefined(e.state, def), null, now));
      }
      // Journaled and published first: the entries are looked up by id while they are.
      round.flush();
      for (const id of gone) entries.delete(id);
      plant = next;
      routes = routesOf(next, entries, routes);
    },
  };
}
