import type { ConnectionFile } from './draft.ts';

/**
 * The three ways Linewatch reaches a PLC, as the editor offers and describes them. Pure: no
 * zod here (the schema checks the result as typed), so the editor's bundle stays small.
 */

export type Protocol = 'tcp' | 'rtu' | 'rtu-over-tcp';

export const protocolChoices: readonly { value: Protocol; label: string }[] = [
  { value: 'tcp', label: 'Modbus TCP' },
  { value: 'rtu', label: 'Modbus RTU (serial)' },
  { value: 'rtu-over-tcp', label: 'RTU over TCP (gateway)' },
];

/** The protocols in the words of a problem: "tcp, rtu or rtu-over-tcp". */
export const protocolList = `${protocolChoices
  .slice(0, -1)
  .map((p) => p.value)
  .join(', ')} or ${protocolChoices.at(-1)!.value}`;

/** Fields only some protocols have; the rest (id, unit id, scan, timeout, tags, comm loss) every connection has. */
const protocolFields = ['host', 'port', 'path', 'baudRate', 'parity', 'dataBits', 'stopBits', 'simulated'] as const;

/** An RTU connection's serial settings: the RTU bus it shares with the connections on its path. */
const serialFields = ['path', 'baudRate', 'parity', 'dataBits', 'stopBits', 'simulated'] as const;

/** Defaults of a connection switched to RTU with no bus to join: a USB RS-485 adapter at 9600 baud (8N1 is the schema's default). */
const newBus = { path: '/dev/ttyUSB0', baudRate: 9600 };

type Fields = Record<string, unknown>;

const isRtuUnit = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 247;

/**
 * The RTU bus a connection switched to RTU joins: the connections on the path of the line's
 * first other RTU connection (empty when the line has none).
 */
export function busToJoin(connections: readonly ConnectionFile[], except: number): ConnectionFile[] {
  const others = connections.filter((c, i) => i !== except && c.protocol === 'rtu') as Fields[];
  const path = others[0]?.path;
  return others.filter((c) => c.path === path) as ConnectionFile[];
}

/**
 * `c` as `protocol` wants it: what every connection has is kept (id, scan, timeout, tags,
 * comm loss; the unit id where the protocol allows it, else 1), the other protocol's fields
 * are dropped and this one's filled in. TCP ↔ RTU over TCP keep host and port (a port of 0 —
 * "a simulator picks one" — becomes 502). To RTU: joins `bus` (busToJoin: its path and serial
 * settings, a unit id not taken on it) when it has connections, else a new bus at
 * /dev/ttyUSB0, 9600 baud; `simulated` carries over from TCP then.
 */
export function switchProtocol(c: ConnectionFile, protocol: string, bus: readonly ConnectionFile[] = []): ConnectionFile {
  const from = c as Fields;
  const next: Fields = {};
  for (const [k, v] of Object.entries(from)) if (!(protocolFields as readonly string[]).includes(k)) next[k] = v;
  next.protocol = protocol;
  const port = typeof from.port === 'number' && from.port >= 1 && from.port <= 65535 ? from.port : 502;
  if (protocol === 'tcp') {
    next.host = typeof from.host === 'string' && from.host !== '' ? from.host : '127.0.0.1';
    next.port = port;
    if (from.simulated === true) next.simulated = true;
  } else if (protocol === 'rtu-over-tcp') {
    // A gateway has an address of its own: the host is kept, or left for the admin to fill in (the field says it is required).
    if (typeof from.host === 'string' && from.host !== '') next.host = from.host;
    next.port = port;
  } else if (protocol === 'rtu') {
    const shared = bus[0] as Fields | undefined;
    if (shared) {
      for (const k of serialFields) if (shared[k] !== undefined) next[k] = shared[k];
    } else {
      Object.assign(next, newBus);
      if (from.simulated === true) next.simulated = true;
    }
  }
  if (protocol !== 'tcp' && typeof next.unitId === 'number' && !isRtuUnit(next.unitId)) next.unitId = 1;
  if (protocol === 'rtu' && bus.length > 0) {
    const taken = new Set(bus.map((b) => (b as Fields).unitId ?? 1));
    let unit = isRtuUnit(next.unitId) ? (next.unitId as number) : 1;
    for (let n = 0; taken.has(unit) && n < 247; n++) unit = (unit % 247) + 1;
    next.unitId = unit;
  }
  return next as ConnectionFile;
}

const text = (v: unknown, fallback: string | number) => String(v ?? fallback);

/**
 * Where a connection reaches its PLC, in the change list's words: `tcp 10.0.0.5:502`,
 * `RTU /dev/ttyUSB0 19200 8E1, unit 3`, `RTU over TCP 10.0.0.9:4001, unit 2`. Absent fields
 * read as the schema's defaults.
 */
export function connectionWhere(c: Fields): string {
  if (c.protocol === 'rtu') {
    const parity = text(c.parity, 'none')[0]!.toUpperCase();
    return `RTU ${text(c.path, '?')} ${text(c.baudRate, 9600)} ${text(c.dataBits, 8)}${parity}${text(c.stopBits, 1)}, unit ${text(c.unitId, 1)}`;
  }
  if (c.protocol === 'rtu-over-tcp') return `RTU over TCP ${text(c.host, '?')}:${text(c.port, 502)}, unit ${text(c.unitId, 1)}`;
  return `tcp ${text(c.host, '127.0.0.1')}:${text(c.port, 502)}`;
}
