'use client';

import { alarmPriorities } from '../../../lib/alarms/alarm-types.ts';
import { registerAreas, tagTypes, wordOrders } from '../../../lib/plant/schema.ts';
import { fieldId, formatPath, type LineFile, renameTagRefs, setIn, type Step, type TagFile } from './draft.ts';
import { CheckField, type Choice, NumberField, PartProblems, SelectField, TextField, useDraft } from './fields.tsx';

export const areaChoices: Choice[] = registerAreas.map((a) => ({ value: a, label: a }));
export const typeChoices: Choice[] = tagTypes.map((t) => ({ value: t, label: t }));
const orderChoices: Choice[] = [{ value: '', label: 'ABCD (default)' }, ...wordOrders.filter((o) => o !== 'ABCD').map((o) => ({ value: o, label: o }))];
const priorityChoices = (defaultLabel: string): Choice[] => [{ value: '', label: defaultLabel }, ...alarmPriorities.map((p) => ({ value: p, label: p }))];

const limits = [
  { key: 'hihi', label: 'HIHI', defaultPriority: 'critical' },
  { key: 'hi', label: 'HI', defaultPriority: 'high' },
  { key: 'lo', label: 'LO', defaultPriority: 'high' },
  { key: 'lolo', label: 'LOLO', defaultPriority: 'critical' },
] as const;

const grid = 'grid grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-3 lg:grid-cols-4';

/**
 * Every field of one tag and its alarms. `path` is the tag's (`lines.0.connections.1.tags.3`);
 * `linePath` its line's, for renames to follow into the running tag and key tags.
 */
export function TagForm({ path, linePath, tag }: { path: Step[]; linePath: Step[]; tag: TagFile }) {
  const { update, readOnly, draft } = useDraft();
  const bitArea = tag.area === 'coil' || tag.area === 'discrete';
  const bitInRegister = !bitArea && tag.type === 'bool';

  function rename(name: string) {
    const line = linePath.reduce<unknown>((at, s) => (at as Record<string, unknown>)[s as string], draft) as LineFile;
    const tagIn = path.slice(linePath.length);
    update(linePath, setIn(renameTagRefs(line, tag.name, name), tagIn, { ...tag, name }));
  }

  function pickArea(area: string) {
    // Bit areas hold bools only: switch the type along (the schema would say so otherwise).
    const toBits = area === 'coil' || area === 'discrete';
    const { bit: _bit, wordOrder: _order, ...rest } = tag;
    update(path, toBits ? { ...rest, area, type: 'bool' } : { ...tag, area });
  }

  return (
    <div className="space-y-4" data-tag-form={tag.name} id={fieldId(formatPath(path))} tabIndex={-1}>
      <div className={grid}>
        <TextField label="Name" path={[...path, 'name']} code maxLength={40} onText={rename} />
        <TextField label="Label" path={[...path, 'label']} optional maxLength={80} className="col-span-2 sm:col-span-2 lg:col-span-3" />
        <SelectField label="Area" path={[...path, 'area']} choices={areaChoices} onPick={pickArea} />
        <NumberField label="Address" path={[...path, 'address']} integer />
        <SelectField label="Type" path={[...path, 'type']} choices={typeChoices} />
        {(bitInRegister || tag.bit !== undefined) && <NumberField label="Bit (0–15)" path={[...path, 'bit']} integer />}
        {!bitArea && tag.type !== 'bool' && <SelectField label="Word order" path={[...path, 'wordOrder']} choices={orderChoices} />}
        {tag.type !== 'bool' && (
          <>
            <NumberField label="Scale" path={[...path, 'scale']} placeholder="default 1" hint="value = raw × scale + offset" />
            <NumberField label="Offset" path={[...path, 'offset']} placeholder="default 0" />
            <TextField label="Unit" path={[...path, 'unit']} optional maxLength={16} />
          </>
        )}
        <NumberField label="Decimals" path={[...path, 'decimals']} integer placeholder="default 1" />
        <NumberField label="Scan (ms)" path={[...path, 'scanMs']} integer placeholder="the connection’s" />
        {tag.type !== 'bool' && <NumberField label="History deadband" path={[...path, 'historyDeadband']} placeholder="none" />}
      </div>
      {tag.sim && <p className="text-sm text-muted">Simulated PLC model: {tag.sim.model} (kept as it is).</p>}
      <AlarmsForm path={[...path, 'alarms']} tag={tag} readOnly={readOnly} />
      {(tag.area === 'holding' || tag.area === 'coil' || 'writable' in tag) && <WritableForm path={[...path, 'writable']} tag={tag} readOnly={readOnly} />}
    </div>
  );
}

/** Setpoints and commands: who may write the tag, and within what (the schema's `writable`). */
function WritableForm({ path, tag, readOnly }: { path: Step[]; tag: TagFile; readOnly: boolean }) {
  const { update } = useDraft();
  // Read loosely: the field is the writable-tags feature's, and the draft may hold anything a file could.
  const writable = (tag as Record<string, unknown>).writable;
  const isBool = tag.type === 'bool';
  return (
    <fieldset className="rounded-md border border-edge-soft p-3">
      <legend className="px-1 font-semibold">Writing</legend>
      <label className="inline-flex min-h-11 items-center gap-2 text-sm font-medium">
        <input
          type="checkbox"
          className="size-6 shrink-0"
          checked={writable !== undefined}
          disabled={readOnly}
          onChange={(e) => update(path, e.target.checked ? {} : undefined)}
        />
        Writable from the app ({isBool ? 'a command' : 'a setpoint'})
      </label>
      <PartProblems path={path} />
      {writable !== undefined && (
        <div className={`${grid} mt-2`}>
          <SelectField
            label="Who may write"
            path={[...path, 'role']}
            choices={[
              { value: '', label: 'operators (default)' },
              { value: 'admin', label: 'admins only' },
            ]}
          />
          {isBool ? (
            <NumberField label="Pulse (ms)" path={[...path, 'pulseMs']} integer placeholder="latched" hint="empty: stays as written" />
          ) : (
            <>
              <NumberField label="Min" path={[...path, 'min']} />
              <NumberField label="Max" path={[...path, 'max']} />
              <NumberField label="Step" path={[...path, 'step']} placeholder="any" />
            </>
          )}
          <NumberField label="Min interval (ms)" path={[...path, 'minIntervalMs']} integer placeholder="default 1000" />
          <CheckField label="Confirm before sending" path={[...path, 'confirm']} defaultValue={true} className="self-end" />
        </div>
      )}
    </fieldset>
  );
}

function AlarmsForm({ path, tag, readOnly }: { path: Step[]; tag: TagFile; readOnly: boolean }) {
  const { update } = useDraft();
  const alarms = tag.alarms;
  const isBool = tag.type === 'bool';
  return (
    <fieldset className="rounded-md border border-edge-soft p-3">
      <legend className="px-1 font-semibold">Alarms</legend>
      <label className="inline-flex min-h-11 items-center gap-2 text-sm font-medium">
        <input
          type="checkbox"
          className="size-6 shrink-0"
          checked={alarms !== undefined}
          disabled={readOnly}
          onChange={(e) => update(path, e.target.checked ? (isBool ? { on: true } : {}) : undefined)}
        />
        This tag has alarms
      </label>
      <PartProblems path={path} />
      {alarms && (
        <div className="mt-2 space-y-3">
          {isBool ? (
            <div className={grid}>
              <SelectField
                label="Alarm while"
                path={[...path, 'on']}
                choices={[
                  { value: 'true', label: 'bit is 1' },
                  { value: 'false', label: 'bit is 0' },
                ]}
                onPick={(v) => update([...path, 'on'], v === 'true')}
              />
              <SelectField label="Priority" path={[...path, 'priority']} choices={priorityChoices('high (default)')} />
              <TextField label="Message" path={[...path, 'message']} optional maxLength={200} placeholder="the tag’s label" className="col-span-2" />
            </div>
          ) : (
            limits.map((l) => {
              const limit = alarms[l.key];
              const limitPath = [...path, l.key];
              return (
                <div key={l.key} className="rounded-md border border-edge-soft bg-surface p-2">
                  <label className="inline-flex min-h-11 items-center gap-2 text-sm font-semibold">
                    <input
                      type="checkbox"
                      className="size-6 shrink-0"
                      checked={limit !== undefined}
                      disabled={readOnly}
                      onChange={(e) => update(limitPath, e.target.checked ? { limit: suggestLimit(alarms, l.key) } : undefined)}
                    />
                    {l.label} alarm
                  </label>
                  <PartProblems path={limitPath} />
                  {limit && (
                    <div className={grid}>
                      <NumberField label={`${l.label} limit`} path={[...limitPath, 'limit']} />
                      <SelectField
                        label={`${l.label} priority`}
                        path={[...limitPath, 'priority']}
                        choices={priorityChoices(`${l.defaultPriority} (default)`)}
                      />
                      <TextField label={`${l.label} message`} path={[...limitPath, 'message']} optional maxLength={200} className="col-span-2" />
                    </div>
                  )}
                </div>
              );
            })
          )}
          <div className={grid}>
            {!isBool && <NumberField label="Deadband" path={[...path, 'deadband']} placeholder="default 0" hint="back past the limit by this to clear" />}
            <NumberField label="On delay (ms)" path={[...path, 'onDelayMs']} integer placeholder="default 0" />
            <NumberField label="Off delay (ms)" path={[...path, 'offDelayMs']} integer placeholder="default 0" />
            <NumberField label="Max shelve (min)" path={[...path, 'maxShelveMin']} integer placeholder="default 480" />
          </div>
        </div>
      )}
    </fieldset>
  );
}

/** A first value for a limit switched on: past its neighbour, so the order rule holds. */
function suggestLimit(alarms: NonNullable<TagFile['alarms']>, key: (typeof limits)[number]['key']): number {
  const num = (k: 'hihi' | 'hi' | 'lo' | 'lolo') => (typeof alarms[k]?.limit === 'number' ? alarms[k].limit : undefined);
  switch (key) {
    case 'hihi':
      return (num('hi') ?? num('lo') ?? 90) + 10;
    case 'hi':
      return num('hihi') !== undefined ? num('hihi')! - 10 : (num('lo') ?? 0) + 100;
    case 'lo':
      return num('lolo') !== undefined ? num('lolo')! + 10 : (num('hi') ?? 100) - 100;
    case 'lolo':
      return (num('lo') ?? num('hi') ?? 10) - 10;
  }
}

/** Alarm limits in one short line for the table ("HI 200 · HIHI 210"; "on 1"). */
export function alarmSummary(tag: TagFile): string {
  const a = tag.alarms;
  if (!a) return '—';
  if (tag.type === 'bool') return a.on === undefined ? 'alarm' : `alarm at ${a.on ? 1 : 0}`;
  const parts = (['lolo', 'lo', 'hi', 'hihi'] as const).filter((k) => a[k]).map((k) => `${k.toUpperCase()} ${a[k]!.limit}`);
  return parts.join(' · ') || 'alarm';
}
