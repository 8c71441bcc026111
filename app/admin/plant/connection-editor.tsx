'use client';

import { useState } from 'react';
import { alarmPriorities } from '../../../lib/alarms/alarm-types.ts';
import { Icon } from '../../_components/glyph.tsx';
import {
  type ConnectionFile,
  connectionIdsOf,
  countUnder,
  duplicateConnection,
  fieldId,
  formatPath,
  type LineFile,
  newConnection,
  setIn,
  type Step,
  uniqueName,
} from './draft.ts';
import { CheckField, NumberField, PartProblems, ProblemCount, quietButton, SelectField, secondaryButton, TextField, useDraft } from './fields.tsx';
import { refusalOf, type TestRead, testRead } from './plant-api.ts';
import { ReadNowResult } from './read-now.tsx';
import { TagList } from './tag-list.tsx';

const grid = 'grid grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-3 lg:grid-cols-4';

/** A connection as the other protocol wants it: the fields of the one dropped, the other's filled in. */
function withProtocol(c: ConnectionFile, protocol: string): ConnectionFile {
  const { host: _h, port: _p, path: _path, baudRate: _b, parity: _parity, simulated: _s, ...rest } = c as ConnectionFile & Record<string, unknown>;
  return (
    protocol === 'rtu' ? { ...rest, protocol: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600 } : { ...rest, protocol: 'tcp', host: '127.0.0.1', port: 502 }
  ) as ConnectionFile;
}

/** The connections of a line: pick one, add, duplicate, remove; the picked one's settings, "Read now" and tags. */
export function ConnectionsEditor(props: {
  lineIndex: number;
  line: LineFile;
  selected: number;
  onSelect(i: number): void;
  openTag: number | null;
  onOpenTag(tag: number | null): void;
}) {
  const { lineIndex, line, selected, onSelect, openTag, onOpenTag } = props;
  const { readOnly, change, problemList } = useDraft();
  const connections: ConnectionFile[] = Array.isArray(line.connections) ? line.connections : [];
  const index = Math.min(selected, connections.length - 1);
  const conn = index >= 0 ? connections[index] : undefined;
  const linePath: Step[] = ['lines', lineIndex];

  function add() {
    const at = connections.length;
    change(`Added a connection to ${line.id}`, (d) =>
      setIn(d, [...linePath, 'connections', at], { ...newConnection(d), id: uniqueName(`${line.id}-plc-1`, connectionIdsOf(d)) }),
    );
    onSelect(at);
  }

  return (
    <section aria-labelledby={`conns-${lineIndex}`} className="mt-5">
      <h3 id={`conns-${lineIndex}`} className="text-lg font-semibold">
        PLC connections <span className="font-normal text-muted">({connections.length})</span>
      </h3>
      <PartProblems path={[...linePath, 'connections']} />
      <ul className="mt-2 flex flex-wrap gap-2" aria-label={`Connections of ${line.id}`}>
        {connections.map((c, i) => {
          const n = countUnder(problemList, formatPath([...linePath, 'connections', i]));
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: connection ids change as they are typed; the index is the identity here
            <li key={i}>
              <button
                type="button"
                aria-pressed={i === index}
                onClick={() => onSelect(i)}
                className={`${quietButton} aria-pressed:border-2 aria-pressed:border-edge aria-pressed:bg-raised aria-pressed:underline aria-pressed:underline-offset-4`}
              >
                {c.id || '(no id)'}
                <ProblemCount n={n} />
              </button>
            </li>
          );
        })}
        {!readOnly && (
          <li>
            <button type="button" className={secondaryButton} onClick={add}>
              Add connection
            </button>
          </li>
        )}
      </ul>
      {conn && (
        <ConnectionForm
          key={index}
          lineIndex={lineIndex}
          connIndex={index}
          line={line}
          conn={conn}
          onSelect={onSelect}
          openTag={openTag}
          onOpenTag={onOpenTag}
        />
      )}
    </section>
  );
}

function ConnectionForm(props: {
  lineIndex: number;
  connIndex: number;
  line: LineFile;
  conn: ConnectionFile;
  onSelect(i: number): void;
  openTag: number | null;
  onOpenTag(tag: number | null): void;
}) {
  const { lineIndex, connIndex, line, conn, onSelect, openTag, onOpenTag } = props;
  const { readOnly, change, update } = useDraft();
  const path: Step[] = ['lines', lineIndex, 'connections', connIndex];
  const [read, setRead] = useState<{ busy: boolean; result: TestRead | null; error: string | null }>({ busy: false, result: null, error: null });
  const isTcp = conn.protocol !== 'rtu';

  async function readNow() {
    setRead({ busy: true, result: null, error: null });
    try {
      setRead({ busy: false, result: await testRead(line.id, conn), error: null });
    } catch (e) {
      const r = refusalOf(e);
      const detail = r.kind === 'invalid' ? r.problems.map((p) => `${p.path}: ${p.message}`).join('; ') : r.message;
      setRead({ busy: false, result: null, error: detail });
    }
  }

  function duplicate() {
    change(`Duplicated connection ${conn.id}`, (d) => duplicateConnection(d, lineIndex, connIndex).plant);
    onSelect(connIndex + 1);
  }

  function remove() {
    change(`Removed connection ${conn.id}`, (d) => setIn(d, path, undefined));
    onSelect(Math.max(0, connIndex - 1));
  }

  const shownAs = new Map(
    (conn.tags ?? []).map((t) => [t.name, { decimals: typeof t.decimals === 'number' ? t.decimals : 1, unit: typeof t.unit === 'string' ? t.unit : '' }]),
  );
  return (
    <div className="mt-3 rounded-lg border border-edge bg-surface p-3 sm:p-4" data-connection-form={conn.id} id={fieldId(formatPath(path))} tabIndex={-1}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h4 className="text-base font-semibold break-all">Connection {conn.id || '(no id)'}</h4>
        <div className="flex flex-wrap gap-2">
          <button type="button" className={secondaryButton} onClick={() => void readNow()} disabled={read.busy}>
            {read.busy && <Icon name="busy" />}
            {read.busy ? 'Reading…' : 'Read now'}
          </button>
          {!readOnly && (
            <>
              <button type="button" className={quietButton} onClick={duplicate}>
                Duplicate<span className="sr-only"> connection {conn.id}</span>
              </button>
              <button type="button" className={quietButton} onClick={remove}>
                Remove<span className="sr-only"> connection {conn.id}</span>
              </button>
            </>
          )}
        </div>
      </div>
      <div aria-live="polite">
        {read.error && (
          <p role="alert" className="mt-2 flex items-start gap-1.5 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 font-semibold text-diag">
            <Icon name="fault" className="mt-0.5 size-4" />
            <span>Read now failed: {read.error}</span>
          </p>
        )}
        {read.result && <ReadNowResult result={read.result} shownAs={shownAs} onHide={() => setRead({ busy: false, result: null, error: null })} />}
      </div>
      <div className={`${grid} mt-3`}>
        <TextField label="Connection id" path={[...path, 'id']} code maxLength={40} />
        <SelectField
          label="Protocol"
          path={[...path, 'protocol']}
          choices={[
            { value: 'tcp', label: 'Modbus TCP' },
            { value: 'rtu', label: 'Modbus RTU (serial)' },
          ]}
          onPick={(p) => update(path, withProtocol(conn, p))}
        />
        {isTcp ? (
          <>
            <TextField label="Host" path={[...path, 'host']} code maxLength={253} placeholder="default 127.0.0.1" />
            <NumberField label="Port" path={[...path, 'port']} integer placeholder="default 502" hint="0: a simulated PLC picks one" />
          </>
        ) : (
          <>
            <TextField label="Serial port" path={[...path, 'path']} code maxLength={200} />
            <NumberField label="Baud rate" path={[...path, 'baudRate']} integer placeholder="default 9600" />
            <SelectField
              label="Parity"
              path={[...path, 'parity']}
              choices={[
                { value: '', label: 'none (default)' },
                { value: 'even', label: 'even' },
                { value: 'odd', label: 'odd' },
              ]}
            />
          </>
        )}
        <NumberField label="Unit id" path={[...path, 'unitId']} integer placeholder="default 1" />
        <NumberField label="Scan (ms)" path={[...path, 'scanMs']} integer placeholder="default 1000" />
        <NumberField label="Timeout (ms)" path={[...path, 'timeoutMs']} integer placeholder="default 1000" />
        {isTcp && <CheckField label="Simulated PLC" path={[...path, 'simulated']} defaultValue={false} className="self-end" />}
      </div>
      <fieldset className="mt-4 rounded-md border border-edge-soft p-3">
        <legend className="px-1 font-semibold">Communication-loss alarm</legend>
        <PartProblems path={[...path, 'commLoss']} />
        <div className={grid}>
          <CheckField label="Enabled" path={[...path, 'commLoss', 'enabled']} defaultValue={true} className="self-end" />
          <SelectField
            label="Priority"
            path={[...path, 'commLoss', 'priority']}
            choices={[{ value: '', label: 'high (default)' }, ...alarmPriorities.map((p) => ({ value: p, label: p }))]}
          />
          <NumberField label="Delay (ms)" path={[...path, 'commLoss', 'delayMs']} integer placeholder="default 10000" />
          <NumberField label="Max shelve (min)" path={[...path, 'commLoss', 'maxShelveMin']} integer placeholder="default 480" />
          <TextField label="Message" path={[...path, 'commLoss', 'message']} optional maxLength={200} className="col-span-2" />
        </div>
      </fieldset>
      <TagList lineIndex={lineIndex} connIndex={connIndex} line={line} open={openTag} onOpen={onOpenTag} />
    </div>
  );
}
