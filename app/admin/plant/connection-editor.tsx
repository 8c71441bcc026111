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
import { busToJoin, protocolChoices, switchProtocol } from './connection-protocols.ts';
import { refusalOf, type TestRead, testRead } from './plant-api.ts';
import { ReadNowResult } from './read-now.tsx';
import { readNowProblems } from './server-problems.ts';
import { TagList } from './tag-list.tsx';

const grid = 'grid grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-3 lg:grid-cols-4';

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
  const { readOnly, change, update, reportServerProblems } = useDraft();
  const path: Step[] = ['lines', lineIndex, 'connections', connIndex];
  const [read, setRead] = useState<{ busy: boolean; result: TestRead | null; error: string | null }>({ busy: false, result: null, error: null });

  async function readNow() {
    setRead({ busy: true, result: null, error: null });
    try {
      setRead({ busy: false, result: await testRead(line.id, conn), error: null });
    } catch (e) {
      const r = refusalOf(e);
      if (r.kind !== 'invalid') {
        setRead({ busy: false, result: null, error: r.message });
        return;
      }
      // Each problem at its field, as the draft's own; the alert says where to look.
      reportServerProblems(readNowProblems(r.problems, lineIndex, connIndex));
      const n = r.problems.length;
      setRead({
        busy: false,
        result: null,
        error: `the server refused ${n === 1 ? 'a setting' : `${n} settings`}, marked at ${n === 1 ? 'its field' : 'their fields'}`,
      });
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
        {/* Phones: id and protocol a row each, so neither is cut. */}
        <TextField label="Connection id" path={[...path, 'id']} code maxLength={40} className="col-span-2 sm:col-span-1" />
        <SelectField
          label="Protocol"
          path={[...path, 'protocol']}
          choices={protocolChoices}
          className="col-span-2 sm:col-span-1"
          onPick={(p) => update(path, switchProtocol(conn, p, busToJoin(line.connections, connIndex)))}
        />
        <ProtocolFields path={path} protocol={conn.protocol} simulated={conn.simulated === true} />
        <NumberField
          label="Unit id"
          path={[...path, 'unitId']}
          integer
          placeholder="default 1"
          hint={conn.protocol === 'tcp' ? undefined : '1–247 on a serial bus'}
        />
        <NumberField label="Scan (ms)" path={[...path, 'scanMs']} integer placeholder="default 1000" />
        <NumberField label="Timeout (ms)" path={[...path, 'timeoutMs']} integer placeholder="default 1000" />
        {conn.protocol === 'tcp' && <CheckField label="Simulated PLC" path={[...path, 'simulated']} defaultValue={false} className="self-end" />}
        {conn.protocol === 'rtu' && (
          <CheckField
            label="Simulated bus"
            path={[...path, 'simulated']}
            defaultValue={false}
            hint="Served by the app on a pseudo-terminal; every device on the port is simulated"
            className="col-span-2 self-end"
          />
        )}
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

/** A select of numbers: the choice `''` (the default) removes the key, the others are written as numbers. */
function NumberSelect(props: { label: string; path: readonly Step[]; choices: readonly { value: string; label: string }[] }) {
  const { update } = useDraft();
  return <SelectField {...props} onPick={(v) => update(props.path, v === '' ? undefined : Number(v))} />;
}

/**
 * Where the PLC is, by protocol: host and port for TCP and for an RTU gateway; for a serial
 * bus its port and line settings (8N1 at 9600 baud unless set; every device on one port must
 * share them, the schema names a differing one at its field).
 */
function ProtocolFields({ path, protocol, simulated }: { path: readonly Step[]; protocol: string; simulated: boolean }) {
  if (protocol === 'rtu') {
    return (
      <>
        <TextField
          label="Serial port"
          path={[...path, 'path']}
          code
          maxLength={200}
          placeholder="/dev/ttyUSB0"
          hint={simulated ? 'Names the simulated bus: nothing is opened there' : 'Devices on one port are one bus'}
          className="col-span-2 sm:col-span-1"
        />
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
        <NumberSelect label="Data bits" path={[...path, 'dataBits']} choices={[{ value: '', label: '8 (default)' }]} />
        <NumberSelect
          label="Stop bits"
          path={[...path, 'stopBits']}
          choices={[
            { value: '', label: '1 (default)' },
            { value: '2', label: '2' },
          ]}
        />
      </>
    );
  }
  const gateway = protocol === 'rtu-over-tcp';
  return (
    <>
      <TextField
        label={gateway ? 'Gateway host' : 'Host'}
        path={[...path, 'host']}
        code
        maxLength={253}
        placeholder={gateway ? 'e.g. 192.168.1.50' : 'default 127.0.0.1'}
      />
      <NumberField
        label="Port"
        path={[...path, 'port']}
        integer
        placeholder="default 502"
        hint={gateway ? 'The gateway’s TCP port (transparent mode)' : '0: a simulated PLC picks one'}
      />
    </>
  );
}
