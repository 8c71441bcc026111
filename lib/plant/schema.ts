import { z } from 'zod';
import { alarmPriorities } from '../alarms/alarm-types.ts';

/**
 * The plant file: lines → PLC connections → tags. One zod schema is the single source of
 * truth for its shape; `PlantFile` is what a file contains, `Plant` what the runtime uses
 * (defaults applied).
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1–40 lowercase letters, digits or dashes');

export const registerAreas = ['holding', 'input', 'coil', 'discrete'] as const;
export const tagTypes = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'bool'] as const;
/**
 * Byte order of a value across its registers, A = most significant byte. `ABCD` is Modbus'
 * big-endian default; `CDAB` swaps words (common on many PLCs); `BADC` swaps bytes in each
 * word; `DCBA` is fully little-endian. For 16-bit types only the byte swap matters.
 */
export const wordOrders = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export const scenarios = ['normal', 'overheat', 'jam', 'flaky'] as const;

export type RegisterArea = (typeof registerAreas)[number];
export type TagType = (typeof tagTypes)[number];
export type WordOrder = (typeof wordOrders)[number];
export type Scenario = (typeof scenarios)[number];

/** How a simulated PLC animates a tag. Ignored for real PLCs. */
const simModel = z
  .strictObject({
    /**
     * `analog`: nominal + slow drift + noise; `ramp`: saw-tooth between min and max;
     * `counter`: increments by `rate`/s while the line runs; `running`: 1 while the line runs;
     * `fault`: 1 while the line is jammed; `constant`: `nominal`; `command`: a bool tag a
     * client writes to control the line (see `action`).
     */
    model: z.enum(['analog', 'ramp', 'counter', 'running', 'fault', 'constant', 'command']),
    nominal: z.number().default(0),
    noise: z.number().min(0).default(0),
    drift: z.number().min(0).default(0),
    min: z.number().optional(),
    max: z.number().optional(),
    rate: z.number().min(0).default(1),
    periodS: z.number().positive().default(60),
    /** Value the tag settles to while the line is stopped (e.g. a speed goes to 0). */
    whenStopped: z.number().optional(),
    /** In the `overheat` scenario this tag climbs steadily past its limits. */
    overheat: z.boolean().default(false),
    /**
     * `analog`, `ramp`, `constant`: another tag of the same connection (a setpoint) this tag
     * moves toward, exponentially with `followTauS`, instead of standing at `nominal` (where it
     * starts); a ramp's top follows it. Drift, noise, overheat and `whenStopped` still apply.
     */
    follows: id.optional(),
    /** Time constant of `follows`, s: 63 % of a setpoint step after τ, 95 % after 3τ. Default 8. */
    followTauS: z.number().positive().max(86_400).optional(),
    /**
     * `command` only. `reset`: a client writing 1 clears a jam (fault bits to 0; the line runs
     * again unless a `run` command holds it). `run`: latched; 0 stops the line, 1 runs it again
     * unless it is jammed. The tag reads back what was written.
     */
    action: z.enum(['reset', 'run']).optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.model === 'command' && s.action === undefined) issue('action', 'is required for a command: "reset" or "run"');
    if (s.model !== 'command' && s.action !== undefined) issue('action', 'applies to the command model only');
    const follows = s.model === 'analog' || s.model === 'ramp' || s.model === 'constant';
    if (!follows && s.follows !== undefined) issue('follows', 'applies to the analog, ramp and constant models only');
    if (s.follows === undefined && s.followTauS !== undefined) issue('followTauS', 'applies only with "follows"');
  });

/**
 * Cross-tag rules of the sim models of one connection (one simulated PLC, one register
 * image): `follows` names another tag of it, a `command` is a bool. Issues carry `path` (the
 * connection's tags) + `[index, 'sim', field]`.
 */
function checkSimModels(
  tags: readonly { name: string; type: TagType; sim?: z.output<typeof simModel> }[],
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const names = new Set(tags.map((t) => t.name));
  for (const [i, t] of tags.entries()) {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [...path, i, 'sim', field], message });
    const follows = t.sim?.follows;
    if (follows === t.name) issue('follows', 'must name another tag, not the tag itself');
    else if (follows !== undefined && !names.has(follows)) issue('follows', `names no tag of this connection: "${follows}"`);
    if (t.sim?.model === 'command' && t.type !== 'bool') issue('model', 'a command must be a bool tag (a coil or a register bit)');
  }
}

const delayMs = z.number().int().min(0).max(3_600_000);

/**
 * A tag operators (or only admins) may write: a setpoint (holding registers) or a command
 * (a coil, or a bit of a holding register). Numeric limits are engineering units; a command
 * with `pulseMs` is momentary (written 1, then 0 after the pulse), else latched.
 */
const writable = z.strictObject({
  /** Least role that may write it. */
  role: z.enum(['operator', 'admin']).default('operator'),
  min: z.number().optional(),
  max: z.number().optional(),
  /** The value must be a whole multiple of this from `min` (or 0). */
  step: z.number().positive().optional(),
  /** Ask the user to confirm old → new before sending. */
  confirm: z.boolean().default(true),
  /** Bool commands: momentary pulse length, ms; absent = latched. */
  pulseMs: z.number().int().min(50).max(60_000).optional(),
  /** Least time between two writes of this tag, ms. */
  minIntervalMs: z.number().int().min(0).max(3_600_000).default(1000),
});

/** One limit of an analog tag. Priority and message default per level (see `limitDefaults`). */
const limitAlarm = z.strictObject({
  limit: z.number(),
  priority: z.enum(alarmPriorities).optional(),
  message: z.string().min(1).max(200).optional(),
});

/**
 * Alarms of one tag. Analog tags: any of `hihi`/`hi`/`lo`/`lolo` (each its own alarm, with
 * its own state and acknowledgement); a HI alarm is active at `value ≥ limit` and clears only
 * below `limit − deadband` (LO mirrors it). Bool tags: `on: true` alarms while the bit is 1,
 * `on: false` while it is 0. The condition must hold `onDelayMs` before the alarm is raised,
 * and its absence `offDelayMs` before it clears (nuisance and chattering suppression).
 */
const tagAlarms = z.strictObject({
  hihi: limitAlarm.optional(),
  hi: limitAlarm.optional(),
  lo: limitAlarm.optional(),
  lolo: limitAlarm.optional(),
  /** Bool tags: the value that is the alarm state. */
  on: z.boolean().optional(),
  /** Bool tags: priority (default `high`) and message (default: the tag's label). */
  priority: z.enum(alarmPriorities).optional(),
  message: z.string().min(1).max(200).optional(),
  /** Engineering units a limit alarm's value must come back past its limit to clear. Default 0. */
  deadband: z.number().min(0).default(0),
  onDelayMs: delayMs.default(0),
  offDelayMs: delayMs.default(0),
  /** Longest an operator may shelve one of these alarms, minutes. Default 480 (one shift). */
  maxShelveMin: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(480),
});

/**
 * Communication-loss alarm of a connection: active while no tag of the connection has good
 * quality for `delayMs` (default 10 s: longer than a reconnect with backoff or a simulated
 * PLC's start), cleared by the first good read.
 */
const commLoss = z.strictObject({
  enabled: z.boolean().default(true),
  priority: z.enum(alarmPriorities).default('high'),
  delayMs: delayMs.default(10_000),
  message: z.string().min(1).max(200).optional(),
  maxShelveMin: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(480),
});

/** Engineering range an integer tag can show (raw range × scale + offset); undefined for floats and bools. */
export function tagRange(t: { type: TagType; scale: number; offset: number }): [number, number] | undefined {
  const raw: Partial<Record<TagType, [number, number]>> = {
    int16: [-0x8000, 0x7fff],
    uint16: [0, 0xffff],
    int32: [-0x80000000, 0x7fffffff],
    uint32: [0, 0xffffffff],
  };
  const r = raw[t.type];
  if (!r) return undefined;
  const a = r[0] * t.scale + t.offset;
  const b = r[1] * t.scale + t.offset;
  return a <= b ? [a, b] : [b, a];
}

const limitOrder = ['lolo', 'lo', 'hi', 'hihi'] as const;

/** Cross-field rules of a tag's alarms; issues carry paths below the tag (`alarms.hi.limit`). */
function checkTagAlarms(t: { type: TagType; scale: number; offset: number; alarms?: z.output<typeof tagAlarms> }, ctx: z.RefinementCtx): void {
  const a = t.alarms;
  if (!a) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: ['alarms', ...path], message });
  const limits = limitOrder.filter((k) => a[k] !== undefined);
  if (t.type === 'bool') {
    if (a.on === undefined) issue(['on'], 'is required for a bool tag (true: alarm while 1, false: alarm while 0)');
    for (const k of limits) issue([k], 'limits apply to analog tags only; a bool tag uses "on"');
    if (a.deadband > 0) issue(['deadband'], 'applies to limit alarms only');
    return;
  }
  if (a.on !== undefined) issue(['on'], 'applies to bool tags only');
  if (a.priority !== undefined) issue(['priority'], 'set the priority on each limit of an analog tag');
  if (a.message !== undefined) issue(['message'], 'set the message on each limit of an analog tag');
  if (limits.length === 0) issue([], 'needs at least one of hihi, hi, lo, lolo');
  for (let i = 1; i < limits.length; i++) {
    const below = limits[i - 1]!;
    const k = limits[i]!;
    if (a[k]!.limit <= a[below]!.limit) issue([k, 'limit'], `must be above ${below} (${a[below]!.limit})`);
  }
  const innerHi = a.hi ?? a.hihi;
  const innerLo = a.lo ?? a.lolo;
  if (innerHi && innerLo && a.deadband >= innerHi.limit - innerLo.limit) {
    issue(['deadband'], `must be smaller than the gap between the low and high limits (${innerHi.limit - innerLo.limit})`);
  }
  const range = tagRange(t);
  if (range) {
    for (const k of limits) {
      const limit = a[k]!.limit;
      if (limit < range[0] || limit > range[1])
        issue([k, 'limit'], `can never be reached: a ${t.type} with this scale and offset reads ${range[0]} … ${range[1]}`);
    }
  }
}

/** Cross-field rules of a writable tag; issues carry paths below the tag (`writable.max`). */
function checkWritable(
  t: { area: RegisterArea; type: TagType; scale: number; offset: number; writable?: z.output<typeof writable> },
  ctx: z.RefinementCtx,
): void {
  const w = t.writable;
  if (!w) return;
  const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path: ['writable', ...path], message });
  if (t.area !== 'holding' && t.area !== 'coil') issue([], `"${t.area}" is read-only in Modbus: only holding registers and coils can be written`);
  if (t.type === 'bool') {
    for (const k of ['min', 'max', 'step'] as const) if (w[k] !== undefined) issue([k], 'applies to numeric tags only');
    return;
  }
  if (w.pulseMs !== undefined) issue(['pulseMs'], 'applies to bool commands only');
  if (w.min === undefined) issue(['min'], 'is required for a numeric setpoint');
  if (w.max === undefined) issue(['max'], 'is required for a numeric setpoint');
  if (w.min !== undefined && w.max !== undefined && w.min > w.max) issue(['max'], `must not be below min (${w.min})`);
  const range = tagRange(t);
  if (range) {
    for (const k of ['min', 'max'] as const) {
      const v = w[k];
      if (v !== undefined && (v < range[0] || v > range[1]))
        issue([k], `cannot be written: a ${t.type} with this scale and offset holds ${range[0]} … ${range[1]}`);
    }
  }
}

const tag = z
  .strictObject({
    name: id,
    label: z.string().min(1).max(80).optional(),
    area: z.enum(registerAreas),
    address: z.number().int().min(0).max(65535),
    type: z.enum(tagTypes),
    /** Bit inside a 16-bit register, for `bool` tags in holding/input registers. */
    bit: z.number().int().min(0).max(15).optional(),
    wordOrder: z.enum(wordOrders).default('ABCD'),
    /** Engineering value = raw × scale + offset. */
    scale: z
      .number()
      .refine((n) => n !== 0, 'must not be 0')
      .default(1),
    offset: z.number().default(0),
    unit: z.string().max(16).default(''),
    decimals: z.number().int().min(0).max(6).default(1),
    /** Scan period in ms; defaults to the connection's. */
    scanMs: z.number().int().min(50).max(3_600_000).optional(),
    sim: simModel.optional(),
    alarms: tagAlarms.optional(),
    /**
     * History deadband, engineering units: a good value within it of the last stored one is
     * not stored raw (the last value before a move is). Rollups still see every sample.
     */
    historyDeadband: z.number().min(0).optional(),
    /** Setpoints and commands: who may write it, and within what. */
    writable: writable.optional(),
  })
  .superRefine((t, ctx) => {
    const bitArea = t.area === 'coil' || t.area === 'discrete';
    if (bitArea && t.type !== 'bool') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `must be "bool" for area "${t.area}"` });
    }
    if (!bitArea && t.type === 'bool' && t.bit === undefined) {
      ctx.addIssue({ code: 'custom', path: ['bit'], message: 'is required for a bool tag in a register area' });
    }
    if (t.bit !== undefined && (bitArea || t.type !== 'bool')) {
      ctx.addIssue({ code: 'custom', path: ['bit'], message: 'is only allowed for bool tags in holding/input registers' });
    }
    const words = registerCount(t.type);
    if (t.address + words - 1 > 65535) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `${t.type} at ${t.address} runs past register 65535` });
    }
    checkTagAlarms(t, ctx);
    checkWritable(t, ctx);
  });

const common = {
  id,
  unitId: z.number().int().min(0).max(255).default(1),
  /** Default scan period of its tags, ms. */
  scanMs: z.number().int().min(50).max(3_600_000).default(1000),
  /** Per-request timeout, ms. */
  timeoutMs: z.number().int().min(50).max(60_000).default(1000),
  tags: z.array(tag).min(1).max(5000),
  commLoss: commLoss.prefault({}),
};

const tcpConnection = z.strictObject({
  ...common,
  protocol: z.literal('tcp'),
  host: z.string().min(1).max(253).default('127.0.0.1'),
  /** 0 = a simulated PLC picks a free loopback port at start. */
  port: z.number().int().min(0).max(65535).default(502),
  /** Served by Linewatch's own simulated PLC (a child process) instead of a real one. */
  simulated: z.boolean().default(false),
});

/** Unit ids a serial device may have: 0 is broadcast (no device answers it), 248–255 are reserved. */
const rtuUnitId = z
  .number()
  .int()
  .min(1, 'must be 1–247 on a serial bus (0 is broadcast: no device answers)')
  .max(247, 'must be 1–247 on a serial bus')
  .default(1);

/** The settings every device on one serial bus (one `path`) must share. */
export const serialSettingFields = ['baudRate', 'parity', 'dataBits', 'stopBits'] as const;

/**
 * Modbus RTU over a serial port (RS-485/RS-232). Connections with the same `path` are devices
 * on one bus: they share the port, take turns (one request at a time), and must agree on the
 * serial settings. `timeoutMs` is each device's own, so a dead unit holds the bus no longer.
 */
const rtuConnection = z.strictObject({
  ...common,
  unitId: rtuUnitId,
  protocol: z.literal('rtu'),
  /**
   * Serial device, e.g. `/dev/ttyUSB0` or `/dev/serial/by-id/…`. With `simulated`, only the
   * name of the simulated bus: the app never opens or creates anything there (see
   * server/simulation/simulated-buses.ts for where the bus lives).
   */
  path: z.string().min(1).max(200),
  baudRate: z.number().int().min(300).max(4_000_000).default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  /** RTU frames carry 8-bit bytes: 7 data bits is Modbus ASCII, which Linewatch does not speak. */
  dataBits: z
    .union([z.literal(7), z.literal(8)])
    .default(8)
    .refine((n) => n === 8, 'must be 8 for Modbus RTU (7 data bits is Modbus ASCII, not supported)'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /**
   * Served by Linewatch's own simulated devices on a pseudo-terminal instead of the port at
   * `path`: every connection on the path must say so, all of one line, each its own unit id.
   */
  simulated: z.boolean().default(false),
});

/**
 * Modbus RTU frames (unit id, PDU, CRC; no MBAP header) over a TCP socket: a serial gateway
 * in transparent mode. Connections with the same host and port share one socket and take turns.
 */
const rtuOverTcpConnection = z.strictObject({
  ...common,
  unitId: rtuUnitId,
  protocol: z.literal('rtu-over-tcp'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(502),
  simulated: z.literal(false).default(false),
});

const connection = z.discriminatedUnion('protocol', [tcpConnection, rtuConnection, rtuOverTcpConnection]);

/**
 * Connections on one serial `path` are one bus: each must repeat the first one's settings,
 * and be simulated or not as the first is. A simulated bus is one line's (the line's
 * simulation starts and stops it) and has one device per unit id. Issues name the field of
 * the later connection.
 */
function checkSerialBuses(lines: readonly { id: string; connections: readonly ConnectionShape[] }[], ctx: z.RefinementCtx): void {
  const first = new Map<string, { id: string; line: string; c: Extract<ConnectionShape, { protocol: 'rtu' }>; units: Map<number, string> }>();
  lines.forEach((l, li) => {
    l.connections.forEach((c, ci) => {
      if (c.protocol !== 'rtu') return;
      const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: ['lines', li, 'connections', ci, field], message });
      const seen = first.get(c.path);
      if (!seen) {
        first.set(c.path, { id: c.id, line: l.id, c, units: new Map([[c.unitId, c.id]]) });
        return;
      }
      for (const field of serialSettingFields) {
        if (c[field] === seen.c[field]) continue;
        issue(field, `is ${c[field]}, but connection "${seen.id}" on the same serial port ${c.path} has ${seen.c[field]}: one bus has one setting`);
      }
      if (c.simulated !== seen.c.simulated) {
        issue(
          'simulated',
          `is ${c.simulated}, but connection "${seen.id}" on the same serial port ${c.path} has ${seen.c.simulated}: a bus is simulated as a whole or not at all`,
        );
        return;
      }
      if (!c.simulated) return;
      if (l.id !== seen.line) {
        issue('path', `is the simulated bus of line "${seen.line}" (connection "${seen.id}"): a simulated bus belongs to one line`);
      }
      const twin = seen.units.get(c.unitId);
      if (twin !== undefined) issue('unitId', `is ${c.unitId}, as connection "${twin}" on the same simulated bus ${c.path}: one device per unit id`);
      else seen.units.set(c.unitId, c.id);
    });
  });
}

type ConnectionShape = z.output<typeof connection>;

const line = z
  .strictObject({
    id,
    name: z.string().min(1).max(80),
    description: z.string().max(200).optional(),
    connections: z.array(connection).min(1).max(64),
    /** Tag whose value tells whether the line runs (non-zero = running). */
    runningTag: id.optional(),
    /** 3–5 tags shown on the overview card. */
    keyTags: z.array(id).max(6).default([]),
    /** Start the simulated PLCs of this line with the server, in this scenario. */
    simulation: z.strictObject({ autoStart: z.boolean().default(true), scenario: z.enum(scenarios).default('normal') }).optional(),
  })
  .superRefine((l, ctx) => {
    const names = new Map<string, string>();
    for (const [ci, c] of l.connections.entries()) {
      for (const [ti, t] of c.tags.entries()) {
        if (names.has(t.name)) {
          ctx.addIssue({ code: 'custom', path: ['connections', ci, 'tags', ti, 'name'], message: `duplicates tag "${t.name}" (${names.get(t.name)})` });
        }
        names.set(t.name, `connections[${ci}].tags[${ti}]`);
      }
    }
    for (const [ci, c] of l.connections.entries()) checkSimModels(c.tags, ['connections', ci, 'tags'], ctx);
    const refs: [string, number | undefined, string][] = [
      ...(l.runningTag ? [['runningTag', undefined, l.runningTag] as [string, undefined, string]] : []),
      ...l.keyTags.map((k, i) => ['keyTags', i, k] as [string, number, string]),
    ];
    for (const [field, index, name] of refs) {
      if (!names.has(name)) {
        ctx.addIssue({ code: 'custom', path: index === undefined ? [field] : [field, index], message: `names no tag of this line: "${name}"` });
      }
    }
    if (l.simulation && !l.connections.some((c) => c.simulated)) {
      ctx.addIssue({ code: 'custom', path: ['simulation'], message: 'needs at least one connection with "simulated": true' });
    }
  });

export const plantSchema = z
  .strictObject({
    name: z.string().min(1).max(80),
    lines: z.array(line).min(1).max(200),
  })
  .superRefine((p, ctx) => {
    const lineIds = new Set<string>();
    const connIds = new Set<string>();
    p.lines.forEach((l, li) => {
      if (lineIds.has(l.id)) ctx.addIssue({ code: 'custom', path: ['lines', li, 'id'], message: `duplicates line "${l.id}"` });
      lineIds.add(l.id);
      l.connections.forEach((c, ci) => {
        if (connIds.has(c.id)) {
          ctx.addIssue({ code: 'custom', path: ['lines', li, 'connections', ci, 'id'], message: `duplicates connection "${c.id}"` });
        }
        connIds.add(c.id);
        if (c.protocol === 'tcp' && c.port === 0 && !c.simulated) {
          ctx.addIssue({ code: 'custom', path: ['lines', li, 'connections', ci, 'port'], message: 'may be 0 only for a simulated connection' });
        }
      });
    });
    checkSerialBuses(p.lines, ctx);
  });

export type PlantFile = z.input<typeof plantSchema>;
export type Plant = z.output<typeof plantSchema>;
export type LineConfig = Plant['lines'][number];
export type ConnectionConfig = LineConfig['connections'][number];
export type TcpConnectionConfig = Extract<ConnectionConfig, { protocol: 'tcp' }>;
export type RtuConnectionConfig = Extract<ConnectionConfig, { protocol: 'rtu' }>;
export type RtuOverTcpConnectionConfig = Extract<ConnectionConfig, { protocol: 'rtu-over-tcp' }>;
/** Serial line settings of an RTU connection (the same for every connection on its `path`). */
export type SerialSettings = Pick<RtuConnectionConfig, 'path' | (typeof serialSettingFields)[number]>;
export type TagConfig = ConnectionConfig['tags'][number];
export type SimModel = NonNullable<TagConfig['sim']>;
export type TagAlarmsConfig = NonNullable<TagConfig['alarms']>;
export type CommLossConfig = ConnectionConfig['commLoss'];
export type WritableConfig = NonNullable<TagConfig['writable']>;

/** Registers (16-bit words) a tag occupies; bit areas count one bit. */
export function registerCount(type: TagType): 1 | 2 {
  return type === 'int32' || type === 'uint32' || type === 'float32' ? 2 : 1;
}

/** Plant-wide tag id. */
export function tagId(lineId: string, tagName: string): string {
  return `${lineId}.${tagName}`;
}
