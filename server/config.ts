import { resolve } from 'node:path';
import { z } from 'zod';
import type { Plant } from '../lib/plant/schema.ts';
import { ConfigError } from '../lib/errors.ts';
import { createLogger, logLevels, type Logger } from './log/logger.ts';
import type { StreamCaps } from './live/stream-caps.ts';
import { formatIssues } from './plant/load-plant.ts';
import type { HistoryConfig } from './history/history-service.ts';
import type { JobsConfig } from './jobs/jobs.ts';
import { parseHostPattern } from './push/endpoint-policy.ts';
import type { PushConfig } from './push/push-sender.ts';
import type { SpoolConfig } from './spool/open-spools.ts';

/** Everything the server reads from its environment, parsed once at start. */
export interface Config {
  /** 0 = any free port (tests). */
  port: number;
  host: string;
  /** Next dev mode (hot reload) instead of the production build. */
  dev: boolean;
  /** Directory of the SQLite file, exports and other state. */
  dataDir: string;
  /** PostgreSQL (`postgres://…`, from LINEWATCH_DATABASE_URL or --database-url) instead of the SQLite file in dataDir. */
  databaseUrl?: string;
  /**
   * What this process runs (LINEWATCH_ROLE, --role): `all`, the whole product in one process
   * group; `collector`, polling, alarms, history and simulators for the lines it holds a lease
   * on, publishing to the Redis live bus; `web`, pages, API and streams of what the collectors
   * publish, operators' actions sent to the lines' owners. Both need databaseUrl and redisUrl.
   * Default `all`.
   */
  role?: 'all' | 'web' | 'collector';
  /** The Redis live bus (`redis://…`, LINEWATCH_REDIS_URL or --redis-url), for the scale-out roles. */
  redisUrl?: string;
  /** Prefix of the live bus's Redis keys and channels (LINEWATCH_BUS_PREFIX): installations sharing one Redis keep apart. Default `lw:`. */
  busPrefix?: string;
  /** This collector's name in leases and logs (LINEWATCH_COLLECTOR_ID); default host name and pid. */
  collectorId?: string;
  /** How long a start keeps trying a PostgreSQL it cannot reach (LINEWATCH_DATABASE_WAIT_S), ms. */
  databaseWaitMs?: number;
  /** Plant file path; the built-in demo plant when absent. */
  plantPath?: string;
  /** An already-parsed plant (tests), takes precedence over plantPath. */
  plant?: Plant;
  /**
   * Where the running plant comes from (LINEWATCH_PLANT_SOURCE). `store` (default): stored
   * versions, edited in the app; the file (or demo plant) seeds the first. `file`: the file,
   * read at every start (stored as a version when it changed); the app shows it read-only.
   */
  plantSource?: 'store' | 'file';
  /** Start the simulated PLCs whose lines ask for it. */
  autoStartSimulations: boolean;
  /** Serve pages through Next. Off in API-only integration tests (no build needed). */
  serveNext: boolean;
  /** Directory Next serves from (where `.next` is). */
  appDir: string;
  /** The process's logger; parts take children of it. */
  log: Logger;
  auth: {
    /** Creates the user `admin` on first start when there are no users yet. */
    adminPassword?: string;
    idleTimeoutMs: number;
    kioskIdleTimeoutMs: number;
    absoluteTimeoutMs: number;
    /** Trust X-Forwarded-Proto/-For from a reverse proxy (HTTPS cookies, client IPs). */
    trustProxy: boolean;
    /**
     * Failed logins within 15 min before delays start: per account × client address, per
     * address (any account), and per account (any address; past it, addresses that failed
     * against it wait, others are slowed, never refused).
     */
    maxLoginFailures: number;
    /** Audit rows older than this many days are deleted in the background; default 365. */
    auditRetentionDays?: number;
  };
  /** Retention and query workers; defaults in server/history/history-service.ts. */
  history?: Partial<HistoryConfig>;
  /** Export jobs: concurrency, timeout, how long results stay; defaults in server/jobs/jobs.ts. */
  jobs?: Partial<JobsConfig>;
  /** The live process (server/live/): the real-time priority of its event loop, 0 for none; default in live-link.ts. */
  live?: { realtimePriority?: number; streamCaps?: Partial<StreamCaps>; startTimeoutMs?: number };
  /** Web Push: VAPID keys (else made on first start and kept in the database), queue, flood control; defaults in server/push/push-sender.ts. */
  push?: Partial<PushConfig>;
  /**
   * Store-and-forward while the database cannot take writes (server/spool/, in `<dataDir>/spool`):
   * the spool's bound on disk (LINEWATCH_SPOOL_MAX_MB) and the rows each writer keeps in
   * memory before it spools; defaults in server/spool/open-spools.ts.
   */
  spool?: Partial<SpoolConfig>;
}

const bool = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** A base64url string (no padding) that decodes to `bytes` bytes. */
const base64url = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url')
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, `must be ${what} (${bytes} bytes, base64url)`);

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
    LINEWATCH_DATA: z.string().min(1).default('./data'),
    LINEWATCH_PLANT: z.string().min(1).optional(),
    LINEWATCH_PLANT_SOURCE: z.enum(['store', 'file']).default('store'),
    LINEWATCH_SIMULATE: bool.default(true),
    LINEWATCH_ADMIN_PASSWORD: z.string().min(10, 'must have at least 10 characters').optional(),
    LINEWATCH_IDLE_TIMEOUT_MIN: z.coerce
      .number()
      .positive()
      .max(24 * 60)
      .default(30),
    LINEWATCH_KIOSK_IDLE_TIMEOUT_MIN: z.coerce
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(12 * 60),
    LINEWATCH_TRUST_PROXY: bool.default(false),
    LINEWATCH_MAX_LOGIN_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
    LINEWATCH_AUDIT_RETENTION_DAYS: z.coerce.number().min(1).max(36_500).default(365),
    LINEWATCH_RETENTION_RAW_DAYS: z.coerce.number().positive().max(36_500).default(30),
    LINEWATCH_RETENTION_ROLLUP_DAYS: z.coerce.number().positive().max(36_500).default(730),
    LINEWATCH_QUERY_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
    LINEWATCH_JOBS_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
    LINEWATCH_JOB_TIMEOUT_MIN: z.coerce
      .number()
      .positive()
      .max(24 * 60)
      .default(30),
    LINEWATCH_JOB_KEEP_DAYS: z.coerce.number().positive().max(3650).default(7),
    LINEWATCH_VAPID_PUBLIC_KEY: base64url(65, 'an uncompressed P-256 public key').optional(),
    LINEWATCH_VAPID_PRIVATE_KEY: base64url(32, 'a P-256 private key').optional(),
    LINEWATCH_VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL')
      .optional(),
    LINEWATCH_PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    // Comma-separated host patterns (push.example.com, *.example.net, host:port) besides the known push services.
    LINEWATCH_PUSH_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean),
      )
      .superRefine((hosts, ctx) => {
        for (const host of hosts) {
          const parsed = parseHostPattern(host);
          if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        }
      }),
    LINEWATCH_PUSH_MAX_DEVICES: z.coerce.number().int().min(1).max(100).default(10),
    LINEWATCH_MAX_STREAMS_PER_SESSION: z.coerce.number().int().min(1).max(1000).default(8),
    LINEWATCH_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
    LINEWATCH_MAX_STREAMS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(200),
    LINEWATCH_MAX_STREAM_OPENS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
    LINEWATCH_LOG_LEVEL: z.enum(logLevels).default('info'),
    LINEWATCH_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    LINEWATCH_LIVE_RT_PRIORITY: z.coerce.number().int().min(0).max(99).optional(),
    LINEWATCH_DATABASE_URL: z
      .string()
      .optional()
      .refine((url) => url === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(url), 'must be a postgres:// URL (or absent: the embedded SQLite file)'),
    LINEWATCH_DATABASE_WAIT_S: z.coerce.number().int().min(0).max(3600).default(60),
    LINEWATCH_SPOOL_MAX_MB: z.coerce.number().int().min(1).max(1_048_576).default(1024),
    LINEWATCH_ROLE: z.enum(['all', 'web', 'collector']).default('all'),
    LINEWATCH_REDIS_URL: z
      .string()
      .optional()
      .refine((url) => url === undefined || url === '' || /^rediss?:\/\/[^\s]+$/.test(url), 'must be a redis:// URL'),
    LINEWATCH_BUS_PREFIX: z
      .string()
      .regex(/^[\w:.-]{1,64}$/, 'letters, digits, ":", ".", "-" and "_", at most 64')
      .default('lw:'),
    LINEWATCH_COLLECTOR_ID: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'letters, digits, ".", "-" and "_", at most 64')
      .optional(),
  })
  .refine((e) => e.LINEWATCH_ROLE === 'all' || (e.LINEWATCH_DATABASE_URL && e.LINEWATCH_REDIS_URL), {
    message: 'the web and collector roles need LINEWATCH_DATABASE_URL (PostgreSQL) and LINEWATCH_REDIS_URL (the live bus)',
    path: ['LINEWATCH_ROLE'],
  })
  .refine((e) => (e.LINEWATCH_VAPID_PUBLIC_KEY === undefined) === (e.LINEWATCH_VAPID_PRIVATE_KEY === undefined), {
    message: 'give both VAPID keys or neither',
    path: ['LINEWATCH_VAPID_PRIVATE_KEY'],
  });

/** Reads the process environment and CLI flags (`--plant <file>`, `--port <n>`, `--host`, `--data <dir>`, `--database-url <url>`, `--role`, `--redis-url <url>`). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(plant|port|host|data|database-url|role|redis-url)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new ConfigError(`unknown argument "${argv[i]}"`, { problems: [`argv[${i}]: unknown argument "${argv[i]}"`] });
    flags[m[1]!] = m[2] ?? argv[++i] ?? '';
  }
  const parsed = envSchema.safeParse({
    ...env,
    ...(flags.plant !== undefined && { LINEWATCH_PLANT: flags.plant }),
    ...(flags.port !== undefined && { PORT: flags.port }),
    ...(flags.host !== undefined && { HOST: flags.host }),
    ...(flags.data !== undefined && { LINEWATCH_DATA: flags.data }),
    ...(flags['database-url'] !== undefined && { LINEWATCH_DATABASE_URL: flags['database-url'] }),
    ...(flags.role !== undefined && { LINEWATCH_ROLE: flags.role }),
    ...(flags['redis-url'] !== undefined && { LINEWATCH_REDIS_URL: flags['redis-url'] }),
  });
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues);
    throw new ConfigError(`configuration is invalid:\n  ${problems.join('\n  ')}`, { problems });
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dev: e.NODE_ENV === 'development',
    dataDir: resolve(e.LINEWATCH_DATA),
    databaseUrl: e.LINEWATCH_DATABASE_URL || undefined,
    databaseWaitMs: e.LINEWATCH_DATABASE_WAIT_S * 1000,
    role: e.LINEWATCH_ROLE,
    redisUrl: e.LINEWATCH_REDIS_URL || undefined,
    collectorId: e.LINEWATCH_COLLECTOR_ID,
    busPrefix: e.LINEWATCH_BUS_PREFIX,
    plantPath: e.LINEWATCH_PLANT && resolve(e.LINEWATCH_PLANT),
    plantSource: e.LINEWATCH_PLANT_SOURCE,
    autoStartSimulations: e.LINEWATCH_SIMULATE,
    serveNext: true,
    appDir: process.cwd(),
    log: createLogger({ level: e.LINEWATCH_LOG_LEVEL, format: e.LINEWATCH_LOG_FORMAT }),
    auth: {
      adminPassword: e.LINEWATCH_ADMIN_PASSWORD,
      idleTimeoutMs: e.LINEWATCH_IDLE_TIMEOUT_MIN * 60_000,
      kioskIdleTimeoutMs: e.LINEWATCH_KIOSK_IDLE_TIMEOUT_MIN * 60_000,
      absoluteTimeoutMs: 12 * 3600_000,
      trustProxy: e.LINEWATCH_TRUST_PROXY,
      maxLoginFailures: e.LINEWATCH_MAX_LOGIN_FAILURES,
      auditRetentionDays: e.LINEWATCH_AUDIT_RETENTION_DAYS,
    },
    history: {
      rawRetentionDays: e.LINEWATCH_RETENTION_RAW_DAYS,
      rollupRetentionDays: e.LINEWATCH_RETENTION_ROLLUP_DAYS,
      queryWorkers: e.LINEWATCH_QUERY_WORKERS,
    },
    jobs: {
      concurrency: e.LINEWATCH_JOBS_CONCURRENCY,
      timeoutMs: e.LINEWATCH_JOB_TIMEOUT_MIN * 60_000,
      keepMs: e.LINEWATCH_JOB_KEEP_DAYS * 86_400_000,
    },
    live: {
      realtimePriority: e.LINEWATCH_LIVE_RT_PRIORITY,
      streamCaps: {
        perSession: e.LINEWATCH_MAX_STREAMS_PER_SESSION,
        perUser: e.LINEWATCH_MAX_STREAMS_PER_USER,
        perIp: e.LINEWATCH_MAX_STREAMS_PER_IP,
        opensPerMinute: e.LINEWATCH_MAX_STREAM_OPENS_PER_MINUTE,
      },
    },
    push: {
      vapidPublicKey: e.LINEWATCH_VAPID_PUBLIC_KEY,
      vapidPrivateKey: e.LINEWATCH_VAPID_PRIVATE_KEY,
      ...(e.LINEWATCH_VAPID_SUBJECT && { vapidSubject: e.LINEWATCH_VAPID_SUBJECT }),
      concurrency: e.LINEWATCH_PUSH_CONCURRENCY,
      allowedHosts: e.LINEWATCH_PUSH_ALLOWED_HOSTS,
      maxDevicesPerUser: e.LINEWATCH_PUSH_MAX_DEVICES,
    },
    spool: { maxMb: e.LINEWATCH_SPOOL_MAX_MB },
  };
}
