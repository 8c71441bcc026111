import type { AlarmAck, AlarmJournalEntry, AlarmOutOfService, AlarmPriority, AlarmShelving, AlarmTransition } from '../../lib/alarms/alarm-types.ts';
import type { Quality, Sample } from '../../lib/types.ts';

export interface HistoryPoint {
  ts: number;
  value: number | null;
  quality: Sample['quality'];
  reason?: string;
}

export interface SampleRepository {
  /** Writes samples in one transaction. Synchronous on SQLite: keep batches small. */
  insert(samples: readonly Sample[]): void;
  /** Raw points of one tag in [from, to], oldest first, at most `limit`. */
  query(tag: string, from: number, to: number, limit: number): HistoryPoint[];
  /** Names of every tag that has history. */
  tags(): string[];
  /** Deletes at most `maxRows` of the oldest points of `tag` older than `before`; returns how many. */
  prune(tag: string, before: number, maxRows: number): number;
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
  merge(rows: readonly RollupRow[]): void;
  /** Replaces the stored minutes with these 1-minute rows (rebuilt from raw) and rebuilds the coarser rows over them. */
  replace(rows: readonly RollupRow[]): void;
  /** Rows of one tag and span (default 1 minute) starting in [from, to], oldest first. */
  query(tag: string, from: number, to: number, span?: number): RollupRow[];
  /** Start of the newest 1-minute row of each tag. */
  newestMinutes(): Map<string, number>;
  /** Deletes at most `maxRows` of the oldest rows of `tag` (any span) that start before `before`; returns how many. */
  prune(tag: string, before: number, maxRows: number): number;
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
}

export interface JobRepository {
  create(job: { kind: string; params: unknown; createdBy: string; createdAt: number }): JobRecord;
  get(id: number): JobRecord | undefined;
  /** Newest first. */
  list(limit: number): JobRecord[];
  /** Jobs in these statuses, oldest first. */
  withStatus(statuses: readonly JobStatus[]): JobRecord[];
  update(id: number, changes: Partial<Pick<JobRecord, 'status' | 'progress' | 'startedAt' | 'endedAt' | 'error' | 'result'>>): JobRecord | undefined;
  /** Deletes finished jobs that ended before `before`; returns their ids. */
  deleteEndedBefore(before: number): number[];
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
  count(): number;
  byName(username: string): UserRecord | undefined;
  byId(id: number): UserRecord | undefined;
  list(): UserRecord[];
  create(user: { username: string; passwordHash: string; role: Role; kiosk?: boolean }): UserRecord;
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
  ): UserRecord | undefined;
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
  get(idHash: string): SessionRecord | undefined;
  create(session: SessionRecord): void;
  touch(idHash: string, at: number): void;
  delete(idHash: string): void;
  ofUser(userId: number): SessionRecord[];
  deleteOfUser(userId: number): void;
  /** Removes sessions idle since before `idleBefore` or created before `createdBefore`. */
  deleteExpired(idleBefore: number, createdBefore: number): number;
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
  append(entry: AuditEntry): void;
  /** Newest first. */
  query(q: AuditQuery): AuditEntry[];
  /**
   * Retention: deletes at most `maxRows` of the oldest rows older than `before`; returns how
   * many. Rows younger than a day are never deleted (the store refuses).
   */
  prune(before: number, maxRows: number): number;
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
  loadStates(): StoredAlarmState[];
  /**
   * In one transaction: appends the journal entries (their `seq` assigned by the engine) and
   * saves each state — or deletes it when `keep` is false (normal, acknowledged, in service:
   * nothing to restore). Never waits for another writer unless `waitMs` is given: returns
   * false, having written nothing, when the database is busy (try again later); throws on
   * any other failure.
   */
  commit(entries: readonly AlarmJournalEntry[], states: readonly { state: StoredAlarmState; keep: boolean }[], waitMs?: number): boolean;
  /** Newest first. */
  journal(q: AlarmJournalQuery): AlarmJournalEntry[];
  /** `raised` entries with from ≤ ts < to, oldest first. */
  activations(from: number, to: number): AlarmActivationRow[];
  /** Largest seq written so far (0 when none). */
  lastSeq(): number;
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
  all(): PushSubscriptionRecord[];
  byEndpoint(endpoint: string): PushSubscriptionRecord | undefined;
  /** Inserts, or for a known endpoint of the same user replaces keys and preferences (a re-subscribe); another user's is returned unchanged, never re-owned. */
  upsert(
    sub: Pick<PushSubscriptionRecord, 'userId' | 'endpoint' | 'p256dh' | 'auth' | 'lines' | 'minPriority' | 'userAgent' | 'session'>,
    at: number,
  ): PushSubscriptionRecord;
  /** Returns whether a row was deleted. */
  delete(id: number): boolean;
  recordResult(id: number, result: { at: number; error: string | null }): void;
  vapidKeys(): VapidKeys | undefined;
  saveVapidKeys(keys: VapidKeys): void;
}

/**
 * Storage behind one typed interface, chosen once at start (`openStore`), one repository per
 * logical table group. SQLite is the embedded default; PostgreSQL joins it in the scale-out
 * mode behind the same interface.
 */
export interface Store {
  readonly driver: 'sqlite';
  /** Database file (SQLite): workers open their own read-only connections on it. */
  readonly file: string;
  readonly samples: SampleRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly rollups: RollupRepository;
  readonly jobs: JobRepository;
  /** Runs `fn` in one write transaction (a savepoint when nested); rolls back if it throws. */
  transaction<T>(fn: () => T): T;
  readonly alarms: AlarmRepository;
  readonly push: PushRepository;
  close(): void;
}
