'use client';

import { useId } from 'react';
import { scenarios } from '../../../lib/plant/schema.ts';
import { ConnectionsEditor } from './connection-editor.tsx';
import { fieldId, formatPath, type LineFile, type Step, tagNamesOf } from './draft.ts';
import { CheckField, FieldProblems, inputClass, PartProblems, quietButton, SelectField, TextField, useDraft } from './fields.tsx';

const grid = 'grid grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-3 lg:grid-cols-4';

/** One line's settings and its connections. */
export function LineEditor(props: {
  lineIndex: number;
  line: LineFile;
  conn: number;
  openTag: number | null;
  onOpenTag(tag: number | null): void;
  onSelectConn(i: number): void;
  onRemove(): void;
}) {
  const { lineIndex, line, conn, openTag, onOpenTag, onSelectConn, onRemove } = props;
  const { readOnly } = useDraft();
  const path: Step[] = ['lines', lineIndex];
  const tagNames = tagNamesOf(line).filter((n) => typeof n === 'string' && n !== '');
  return (
    <section
      aria-labelledby={`line-${lineIndex}-heading`}
      className="rounded-lg border border-edge bg-surface p-3 sm:p-4"
      data-line-form={line.id}
      id={fieldId(formatPath(path))}
      tabIndex={-1}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`line-${lineIndex}-heading`} className="text-xl font-semibold break-all">
          Line {line.name || line.id || '(unnamed)'}
        </h2>
        {!readOnly && (
          <button type="button" className={quietButton} onClick={onRemove}>
            Remove line<span className="sr-only"> {line.id}</span>
          </button>
        )}
      </div>
      <PartProblems path={path} anchor={false} />
      <div className={`${grid} mt-2`}>
        <TextField label="Line id" path={[...path, 'id']} code maxLength={40} hint="in URLs and tag ids" />
        <TextField label="Name" path={[...path, 'name']} maxLength={80} />
        <TextField label="Description" path={[...path, 'description']} optional maxLength={200} className="col-span-2" />
        <SelectField
          label="Running tag"
          path={[...path, 'runningTag']}
          choices={[{ value: '', label: '(none)' }, ...tagNames.map((n) => ({ value: n, label: n }))]}
          hint="non-zero: the line runs"
        />
      </div>
      <KeyTags path={[...path, 'keyTags']} keyTags={Array.isArray(line.keyTags) ? line.keyTags : []} tagNames={tagNames} />
      {line.simulation && (
        <fieldset className="mt-3 rounded-md border border-edge-soft p-3">
          <legend className="px-1 font-semibold">Simulation</legend>
          <div className={grid}>
            <CheckField label="Start with the server" path={[...path, 'simulation', 'autoStart']} defaultValue={true} className="self-end" />
            <SelectField
              label="Scenario"
              path={[...path, 'simulation', 'scenario']}
              choices={[{ value: '', label: 'normal (default)' }, ...scenarios.filter((s) => s !== 'normal').map((s) => ({ value: s, label: s }))]}
            />
          </div>
          <PartProblems path={[...path, 'simulation']} />
        </fieldset>
      )}
      <ConnectionsEditor lineIndex={lineIndex} line={line} selected={conn} onSelect={onSelectConn} openTag={openTag} onOpenTag={onOpenTag} />
    </section>
  );
}

/** Key tags (shown on the overview card): a list with remove buttons and a picker to add one. */
function KeyTags({ path, keyTags, tagNames }: { path: Step[]; keyTags: string[]; tagNames: string[] }) {
  const { update, readOnly, problems } = useDraft();
  const addId = useId();
  const p = formatPath(path);
  const messages = [...(problems.get(p) ?? []), ...keyTags.flatMap((_, i) => (problems.get(`${p}[${i}]`) ?? []).map((m) => `${keyTags[i]}: ${m}`))];
  const available = tagNames.filter((n) => !keyTags.includes(n));
  return (
    <div className="mt-3" data-field={p} id={fieldId(p)} tabIndex={-1}>
      <p className="text-sm font-medium" id={`${fieldId(p)}-label`}>
        Key tags <span className="font-normal text-muted">(up to 6, on the overview card)</span>
      </p>
      <ul className="mt-1 flex flex-wrap gap-2" aria-labelledby={`${fieldId(p)}-label`}>
        {keyTags.length === 0 && <li className="text-sm text-muted">None.</li>}
        {keyTags.map((k, i) => (
          <li key={k} className="inline-flex items-center gap-1 rounded-md border border-edge-soft bg-raised pl-2">
            <span className="font-mono text-sm">{k}</span>
            {!readOnly && (
              <button
                type="button"
                className="inline-flex size-11 items-center justify-center rounded-md hover:bg-surface"
                onClick={() =>
                  update(
                    path,
                    keyTags.filter((_, j) => j !== i),
                  )
                }
                aria-label={`Remove key tag ${k}`}
              >
                <span aria-hidden="true">×</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && available.length > 0 && keyTags.length < 6 && (
        <div className="mt-2 max-w-xs">
          <label htmlFor={addId} className="text-sm font-medium">
            Add a key tag
          </label>
          <select id={addId} value="" onChange={(e) => e.target.value && update(path, [...keyTags, e.target.value])} className={`${inputClass} border-edge`}>
            <option value="">Choose a tag…</option>
            {available.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      )}
      <FieldProblems id={`${fieldId(p)}-problems`} messages={messages} />
    </div>
  );
}
