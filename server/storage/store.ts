import type { AlarmAck, AlarmJournalEntry, AlarmOutOfService, AlarmPriority, AlarmShelving, AlarmTransition } from '../../lib/alarms/alarm-types.ts';
import { UnavailableError } from '../../lib/errors.ts';
import type { Scenario } from '../../lib/plant/schema.ts';
import type { Quality, Sample } from '../../lib/types.ts';

/** Another writer held the database longer than a write may wait: try again shortly; not a failure. */
export class StoreBusyError extends UnavailableError {}

export interface HistoryPoint {
  ts: number;
  value: number | null;
  quality: Sample['quality'];
  reason?: string;
}

export interface SampleRepository {
  /** Writes samples in one transaction. */
  insert(samples: readonly Sample[]): Promise<void>;
  /** Raw points of one tag in [from, to], oldest first, at most `limit`. */
  query(tag: string, from: number, to: number, limit: number): Promise<HistoryPoint[]>;
  /** Names of every tag that has history. */
  tags(): Promise<string[]>;
  /** Deletes at most `maxRows` of the oldest points of `tag` older than `before`; returns how many. */
  prune(tag: string, before: number, maxRows: number): Promise<number>;
  /**
   * Only where the engine keeps samples in one partition per UTC day (PostgreSQL): drops, at
   * once, the whole days older than `before` (O(1) whatever they hold); returns how many.
   * Elsewhere (SQLite) absent: `prune` does the work, row by row.
   */
  dropDaysBefore?(before: number): Promise<number>;
}

/**
 * One tag's history over one interval (`span` ms from `start`): a rollup. Statistics cover
 * good samples with a value; `bad` counts the others and `gapTs` is the first of them (a
 * quality gap in the trend). The historian writes 1-minute, 10-minute and 1-hour rows (each
 * when its interval ends), so a long range is a short read.
 */
export interface RollupRow {
  tag: string;
  /** Interval length, ms: 60 000, 600 000 or 3 600 000. */
  span: number;
  /** Epoch ms at the start of the interval (a multiple of `span`). */
  start: number;
  count: number;
  bad: number;
  min: number | null;
  minTs: number | null;
  max: number | null;
  maxTs: number | null;
  /** avg = sum / count. */
  sum: number | null;
  first: number | null;
  firstTs: number | null;
  last: number | null;
  lastTs: number | null;
  gapTs: number | null;
}

export interface RollupRepository {
  /** Merges rows into what is stored for their interval (counts add up, extremes widen). */
  merge(rows: readonly RollupRow[]): Promise<void>;
  /** Replaces the stored minutes with these 1-minute rows (rebuilt from raw) and rebuilds the coarser rows over them. */
  replace(rows: readonly RollupRow[]): Promise<void>;
  /** Rows of one tag and span (default 1 minute) starting in [from, to], oldest first. */
  query(tag: string, from: number, to: number, span?: number): Promise<RollupRow[]>;
  /** Start of the newest 1-minute row of each tag. */
  newestMinutes(): Promise<Map<string, number>>;
  /** Deletes at most `maxRows` of the oldest rows of `tag` (any span) that start before `before`; returns how many. */
  prune(tag: string, before: number, maxRows: number): Promise<number>;
}

export type JobStatus = import('../../lib/types.ts').JobStatus;

export interface JobRecord {
  id: number;
  kind: string;
  status: JobStatus;
  /** Kind-specific parameters (JSON-serialisable). */
  params: unknown;
  /** 0–100. */
  progress: number;
  createdBy: string;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  /** Kind-specific outcome (JSON-serialisable), once succeeded. */
  result: unknown;
  /** The worker that claimed it (null while queued). */
  worker: string | null;
}

/** A running job as its worker's heartbeat finds it. */
export interface JobBeat {
  id: number;
  /** Who asked to cancel it (the worker stops it), or null. */
  cancelRequestedBy: string | null;
}

export interface JobRepository {
  create(job: { kind: string; params: unknown; createdBy: string; createdAt: number }): Promise<JobRecord>;
  get(id: number): Promise<JobRecord | undefined>;
  /** Newest first. */
  list(limit: number): Promise<JobRecord[]>;
  /** Jobs in these statuses, oldest first. */
  withStatus(statuses: readonly JobStatus[]): Promise<JobRecord[]>;
  update(id: number, changes: Partial<Pick<JobRecord, 'status' | 'progress' | 'startedAt' | 'endedAt' | 'error' | 'result'>>): Promise<JobRecord | undefined>;
  /** Deletes finished jobs that ended before `before`, with their result chunks; returns their ids. */
  deleteEndedBefore(before: number): Promise<number[]>;
  /**
   * The oldest queued job, now `running` on `worker` (started and heartbeat `now`), or
   * undefined when none waits. However many workers ask at once, each job goes to one.
   */
  claim(worker: string, now: number): Promise<JobRecord | undefined>;
  /**
   * The heartbeat of `worker`: its running jobs get `heartbeatAt = now` and the progress
   * given. Answers the jobs it still holds (one missing was failed as an orphan meanwhile:
   * the worker stops it) with any cancel request.
   */
  beat(worker: string, progress: ReadonlyMap<number, number>, now: number): Promise<JobBeat[]>;
  /**
   * Cancels a queued job at once, or asks the worker of a running one to stop it (it does at
   * its next heartbeat). The job as it is then; undefined when there is no such job.
   */
  requestCancel(id: number, by: string, now: number): Promise<JobRecord | undefined>;
  /**
   * Marks failed (with `error`, ended `now`) the running jobs whose worker is gone: held by
   * `worker` (a worker restarting under its old name), or without a heartbeat since
   * `heartbeatBefore`. Returns them.
   */
  failOrphans(o: { worker?: string; heartbeatBefore?: number }, error: string, now: number): Promise<JobRecord[]>;
  /** Stores chunk `seq` (0, 1, …) of a job's result file (scale-out: any web instance serves it). */
  putResultChunk(id: number, seq: number, data: Uint8Array): Promise<void>;
  /** Chunk `seq` of a job's result file; undefined past the last. */
  resultChunk(id: number, seq: number): Promise<Uint8Array | undefined>;
}

export type { Role } from '../../lib/auth/access-rules.ts';
import type { Role } from '../../lib/auth/access-rules.ts';

export interface UserRecord {
  id: number;
  username: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
  /** Wall display: allowed a longer idle timeout. */
  kiosk: boolean;
  createdAt: number;
}

export interface UserRepository {
  count(): Promise<number>;
  byName(username: string): Promise<UserRecord | undefined>;
  byId(id: number): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  /** `ConflictError` (field `username`) when the name is taken, whoever else writes. */
  create(user: { username: string; passwordHash: string; role: Role; kiosk?: boolean }): Promise<UserRecord>;
  /**
   * Invariant: a change that would leave no active (enabled) admin is refused with a
   * `ConflictError`, checked in the same transaction as the change, whoever else writes.
   * `actorId`: the admin making the change, refused (`ForbiddenError`) unless still an active
   * admin in that same transaction (an admin demoted while their request was under way).
   */
  update(
    id: number,
    changes: Partial<Pick<UserRecord, 'role' | 'disabled' | 'kiosk' | 'passwordHash'>>,
    options?: { actorId?: number },
  ): Promise<UserRecord | undefined>;
}

export interface SessionRecord {
  /** SHA-256 of the session token: a leaked database holds no usable session. */
  idHash: string;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
}

export interface SessionRepository {
  get(idHash: string): Promise<SessionRecord | undefined>;
  create(session: SessionRecord): Promise<void>;
  touch(idHash: string, at: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  ofUser(userId: number): Promise<SessionRecord[]>;
  deleteOfUser(userId: number): Promise<void>;
  /** Removes sessions idle since before `idleBefore` or created before `createdBefore`. */
  deleteExpired(idleBefore: number, createdBefore: number): Promise<number>;
}

export interface AuditEntry {
  id?: number;
  ts: number;
  username: string | null;
  ip: string;
  action: string;
  target: string | null;
  result: string;
  detail: string | null;
  /**
   * Written once: an append with a key already written writes nothing (a retry whose answer
   * was lost, a spool replayed after a crash). Given by the audit queue; queries leave it out.
   */
  key?: string;
}

export interface AuditQuery {
  username?: string;
  action?: string;
  from?: number;
  to?: number;
  /** Cursor: entries with an id below this. */
  before?: number;
  limit: number;
}

export interface AuditRepository {
  /** Appends a row; one whose `key` is written already is skipped. */
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditEntry[]>;
  /**
   * Retention: deletes at most `maxRows` of the oldest rows older than `before`; returns how
   * many. Rows younger than a day are never deleted (the store refuses).
   */
  prune(before: number, maxRows: number): Promise<number>;
}

/** The persisted part of an alarm's state (its definition comes from the plant file). */
export interface StoredAlarmState {
  id: string;
  active: boolean;
  acked: boolean;
  value: number | null;
  quality: Quality | null;
  activeSince: number | null;
  lastChange: number | null;
  ack: AlarmAck | null;
  shelved: AlarmShelving | null;
  outOfService: AlarmOutOfService | null;
  /** Journal seq of its last transition. */
  seq: number;
}

/**
 * The lease a write was made under: its resource (a line's, `line:<id>`) and fencing token
 * (`Lease.token`). The store keeps a fence per resource, the highest token that claimed it: a
 * new owner raises it before it reads the line's state, and a write under an older token — a
 * former owner's, replayed from its spool or late off the network — is skipped, so it never
 * overwrites what the newer owner keeps. The owner keeps the token it took the lease with for
 * as long as it works on the line (a lease taken again after a lapse gets a new token, but no
 * one else worked on the line meanwhile), so its own spooled writes still count.
 */
export interface WriteFence {
  resource: string;
  token: number;
}

/** An alarm's state as a commit saves it, or deletes it (`keep` false); with `fence`, only while its token is the line's newest. */
export interface AlarmStateWrite {
  state: StoredAlarmState;
  keep: boolean;
  fence?: WriteFence;
}

export interface AlarmJournalQuery {
  line?: string;
  /** Substring of the alarm id (which holds the tag id) or of the tag's label, case-insensitive. */
  tag?: string;
  /** Exact alarm id. */
  alarm?: string;
  priority?: AlarmPriority;
  transition?: AlarmTransition;
  user?: string;
  from?: number;
  to?: number;
  /** Cursor: entries with a seq below this. */
  before?: number;
  limit: number;
}

/** An activation, for KPIs. */
export interface AlarmActivationRow {
  ts: number;
  alarm: string;
  message: string;
  line: string;
  priority: AlarmPriority;
  suppressed: boolean;
}

export interface AlarmRepository {
  /** Every stored alarm state (alarms that are not quiet). */
  loadStates(): Promise<StoredAlarmState[]>;
  /**
   * In one transaction: appends the journal entries (their `seq` assigned by the engine) and
   * saves each state — or deletes it when `keep` is false (normal, acknowledged, in service:
   * nothing to restore). Resolves once written; rejects having written nothing (the caller
   * keeps the entries and tries again) — with a `StoreBusyError` when another writer held
   * the database for too long, which is no failure. An entry whose seq is written already is
   * skipped: a retry of a commit whose answer was lost (the network) writes it once. A state
   * write with a `fence` raises that fence to its token (in the same transaction) and is
   * skipped when the fence is higher already: a newer owner took the line. Entries are
   * history: appended whatever their fence.
   */
  commit(entries: readonly AlarmJournalEntry[], states: readonly AlarmStateWrite[]): Promise<void>;
  /**
   * A line's new owner, before it reads the line's states: raises the fence of
   * `fence.resource` to `fence.token` (never lowers it). False when a newer token holds it.
   */
  raiseFence(fence: WriteFence): Promise<boolean>;
  /** Newest first. */
  journal(q: AlarmJournalQuery): Promise<AlarmJournalEntry[]>;
  /** `raised` entries with from ≤ ts < to, oldest first. */
  activations(from: number, to: number): Promise<AlarmActivationRow[]>;
  /** Largest seq written so far (0 when none). */
  lastSeq(): Promise<number>;
  /**
   * Reserves `count` journal seqs for one writer: returns the first of `count` consecutive
   * numbers no one else gets, each above every seq written or reserved before. The alarm
   * engine numbers transitions from such blocks in memory, so a transition is published
   * without waiting for the database, and several engines never collide.
   */
  reserveSeqs(count: number): Promise<number>;
}

/** Which alarms a device wants pushed: lines (null = every line) and the lowest priority. */
export interface PushPreferences {
  lines: string[] | null;
  minPriority: AlarmPriority;
}

/** A browser's Web Push subscription (RFC 8030), owned by the user who made it on that device. */
export interface PushSubscriptionRecord extends PushPreferences {
  id: number;
  userId: number;
  /** The push service URL (unique per browser profile and site). */
  endpoint: string;
  /** The browser's P-256 ECDH public key, base64url (65 bytes decoded). */
  p256dh: string;
  /** The browser's auth secret, base64url (16 bytes decoded). */
  auth: string;
  userAgent: string;
  createdAt: number;
  updatedAt: number;
  /** Last push the service accepted. */
  lastSuccessAt: number | null;
  /** Last failure (status and reason), cleared by a success. */
  lastError: string | null;
  /** The sign-in session that (last) subscribed, as its id (token hash); null before it was recorded. */
  session: string | null;
}

/** The server's VAPID key pair (RFC 8292), base64url: public 65 bytes (uncompressed P-256), private 32. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  createdAt: number;
}

export interface PushRepository {
  /** Every subscription, oldest first. */
  all(): Promise<PushSubscriptionRecord[]>;
  byEndpoint(endpoint: string): Promise<PushSubscriptionRecord | undefined>;
  /** Inserts, or for a known endpoint of the same user replaces keys and preferences (a re-subscribe); another user's is returned unchanged, never re-owned. */
  upsert(
    sub: Pick<PushSubscriptionRecord, 'userId' | 'endpoint' | 'p256dh' | 'auth' | 'lines' | 'minPriority' | 'userAgent' | 'session'>,
    at: number,
  ): Promise<PushSubscriptionRecord>;
  /** Returns whether a row was deleted. */
  delete(id: number): Promise<boolean>;
  recordResult(id: number, result: { at: number; error: string | null }): Promise<void>;
  vapidKeys(): Promise<VapidKeys | undefined>;
  /**
   * Keeps `keys` unless a pair is stored already, and returns the pair stored: the first of
   * several processes starting at once on one database wins, and all sign with its key.
   */
  keepVapidKeys(keys: VapidKeys): Promise<VapidKeys>;
}

/**
 * A lease on a resource (a PLC connection, a collector's membership): one holder at a time,
 * until it expires by the store's clock — one clock for every host, whatever theirs say.
 */
export interface Lease {
  resource: string;
  holder: string;
  /**
   * Fencing token: grows each time the lease is taken anew (by another holder, or after it
   * lapsed), never reused for a resource; a renewal keeps it.
   */
  token: number;
  /** Epoch ms, by the store's clock. */
  expiresAt: number;
}

export interface LeaseRepository {
  /**
   * Takes `resource` for `holder` for `ttlMs` when it is free, released or expired (a new
   * token), or extends it when `holder` holds it now (same token). Undefined while another
   * holder's lease runs: two holders never get one resource at once, however they race.
   * With `ifToken`, only while the resource's last lease has that token (0: never leased) — a
   * take-over decided on what the caller saw of it (`ended()`), refused if anything changed since.
   */
  acquire(resource: string, holder: string, ttlMs: number, ifToken?: number): Promise<Lease | undefined>;
  /** Extends the lease for `ttlMs` only while `holder` holds it with `token`; undefined once lost. */
  renew(resource: string, holder: string, token: number, ttlMs: number): Promise<Lease | undefined>;
  /**
   * Ends the lease at once (another may take it), also one that ran out unreleased; false when
   * `holder` no longer held it with `token`, or it was released already.
   */
  release(resource: string, holder: string, token: number): Promise<boolean>;
  /** Leases running now, by resource. */
  current(): Promise<Lease[]>;
  /**
   * The last lease of each resource not running now: released (`expiresAt` 0; its holder let
   * go) or lapsed (its holder stopped renewing: it may still be working, see lease-keeper.ts).
   */
  ended(): Promise<Lease[]>;
}

/** One stored version of the plant (issue 20): what was applied, by whom, when. */
export interface PlantVersionInfo {
  /** 1, 2, 3, … in apply order; never reused. */
  version: number;
  /** Epoch ms. */
  appliedAt: number;
  /** Username, or `system` for the seed at first start. */
  appliedBy: string;
  /** Why: `seeded from demo plant`, `rolled back to version 3`, or the admin's note; null when none. */
  comment: string | null;
}

export interface PlantVersion extends PlantVersionInfo {
  /** The plant as applied, in the plant-file schema (validated before it was stored). */
  plant: unknown;
}

export interface PlantRepository {
  /** The newest version; undefined before the first one (a store never seeded). */
  latest(): Promise<PlantVersion | undefined>;
  get(version: number): Promise<PlantVersion | undefined>;
  /** Every version without its plant, newest first, at most `limit` (default 200). */
  list(limit?: number): Promise<PlantVersionInfo[]>;
  /**
   * Stores `plant` as version `baseVersion + 1` (1 when `baseVersion` is null) only while
   * `baseVersion` is the newest version (null: none yet); otherwise ConflictError (409), also
   * when two appends race on one base across processes: exactly one of them wins.
   */
  append(entry: { baseVersion: number | null; plant: unknown; appliedBy: string; comment: string | null }): Promise<PlantVersion>;
}

/**
 * An operator's latest start or stop of a line's simulated PLCs, which whoever owns the line
 * follows (a collector that takes the line over, a server that restarts). A line without one
 * follows the plant (`simulation.autoStart`, `scenario`).
 */
export interface SimulationChoice {
  line: string;
  running: boolean;
  /** The scenario it runs in; once stopped, the one it ran in last. */
  scenario: Scenario;
  /** Who chose it (username). */
  by: string;
  /** Epoch ms. */
  at: number;
}

export interface SimulationChoiceRepository {
  /** The line's latest choice; undefined when no operator made one (the plant's default holds). */
  get(line: string): Promise<SimulationChoice | undefined>;
  /** Every line's, by line id. */
  list(): Promise<SimulationChoice[]>;
  /**
   * Replaces the line's choice. With `fence` (the line's owner's), raises that fence to its
   * token, or skips the write when the fence is higher already (a newer owner took the line,
   * see `WriteFence`): false then.
   */
  set(choice: SimulationChoice, fence?: WriteFence): Promise<boolean>;
  /** Forgets the choices of these lines (they left the plant); returns how many there were. */
  clear(lines: readonly string[]): Promise<number>;
}

/**
 * Where a store lives, as plain data: worker threads and child processes (history queries,
 * exports, the SQLite history writer) open their own connections from it.
 */
export type StoreLocation = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

/**
 * Storage behind one typed, asynchronous interface, chosen once at start (`openStore`), one
 * repository per logical table group. SQLite is the embedded default; PostgreSQL the
 * scale-out store. Nothing here names files, drivers or locks: a caller awaits, whichever
 * engine answers.
 */
export interface Store {
  readonly location: StoreLocation;
  readonly samples: SampleRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly rollups: RollupRepository;
  readonly jobs: JobRepository;
  readonly alarms: AlarmRepository;
  readonly push: PushRepository;
  readonly leases: LeaseRepository;
  readonly plant: PlantRepository;
  readonly simulations: SimulationChoiceRepository;
  /** Raw samples and the 1-minute rollup rows they make, in one transaction (the historian's batch). */
  writeHistory(samples: readonly Sample[], rollups: readonly RollupRow[]): Promise<void>;
  /** Waits for pending writes (a few seconds at most), then closes every connection. */
  close(): Promise<void>;
}
