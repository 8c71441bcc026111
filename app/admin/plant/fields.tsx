'use client';

import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { Icon } from '../../_components/glyph.tsx';
import type { PlantFile } from '../../../lib/plant/schema.ts';
import { fieldId, formatPath, getIn, type Problem, type Step } from './draft.ts';

/** What every field of the editor reads and writes: the draft, its problems, whether it may change. */
export interface DraftContextValue {
  draft: PlantFile;
  /** The draft's problems, by path, and as a list. */
  problems: ReadonlyMap<string, string[]>;
  problemList: readonly Problem[];
  readOnly: boolean;
  /** Sets the value at `path` (undefined removes it). */
  update(path: readonly Step[], value: unknown): void;
  /** A change to undo in one step ("Removed tag x"): said to the user with an Undo button. */
  change(label: string, edit: (draft: PlantFile) => PlantFile): void;
  /** Problems the server named (paths of the plant): shown at their fields until their values change. */
  reportServerProblems(problems: readonly Problem[]): void;
}

export const DraftContext = createContext<DraftContextValue | null>(null);

export function useDraft(): DraftContextValue {
  const ctx = useContext(DraftContext);
  if (!ctx) throw new Error('useDraft outside the plant editor');
  return ctx;
}

export const inputClass = 'mt-1 block min-h-11 w-full rounded-md border bg-raised px-2 text-base disabled:bg-surface disabled:text-muted';
export const buttonBase =
  'inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-md px-3 font-semibold disabled:cursor-not-allowed disabled:opacity-60';
export const primaryButton = `${buttonBase} bg-action text-action-fg`;
export const secondaryButton = `${buttonBase} border-2 border-edge bg-raised text-fg hover:bg-surface`;
export const quietButton = `${buttonBase} border border-edge-soft bg-transparent text-fg font-medium hover:bg-raised`;

/** The messages under a field: diagnostic colour, an icon and the words. */
/** How many problems a line or connection has, on its tab: the fault glyph and the count, never colour alone. */
export function ProblemCount({ n }: { n: number }) {
  if (n === 0) return null;
  return (
    <span className="inline-flex items-center gap-0.5 text-diag">
      <Icon name="fault" className="size-3.5" />
      {n}
      <span className="sr-only"> problem{n > 1 ? 's' : ''}</span>
    </span>
  );
}

export function FieldProblems({ id, messages }: { id: string; messages: readonly string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <ul id={id} className="mt-1 space-y-0.5 text-sm font-medium text-diag">
      {messages.map((m) => (
        <li key={m} className="flex items-start gap-1">
          <Icon name="fault" className="mt-0.5 size-4" />
          <span>{m}</span>
        </li>
      ))}
    </ul>
  );
}

interface FieldProps {
  label: string;
  path: readonly Step[];
  hint?: string;
  className?: string;
}

/** Label, control, hint and problems of one field, wired for screen readers. */
function FieldFrame(props: FieldProps & { children: (control: { id: string; invalid: boolean; describedBy: string | undefined }) => ReactNode }) {
  const { label, path, hint, className, children } = props;
  const { problems } = useDraft();
  const p = formatPath(path);
  const id = fieldId(p);
  const messages = problems.get(p);
  const invalid = !!messages?.length;
  const describedBy = [hint ? `${id}-hint` : '', invalid ? `${id}-problems` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className} data-field={p}>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children({ id, invalid, describedBy })}
      {hint && (
        <p id={`${id}-hint`} className="mt-0.5 text-xs text-muted">
          {hint}
        </p>
      )}
      <FieldProblems id={`${id}-problems`} messages={messages} />
    </div>
  );
}

const borderOf = (invalid: boolean) => (invalid ? 'border-2 border-diag' : 'border-edge');

/** A text field; empty means absent when `optional` (the file leaves the key out). */
export function TextField(
  props: FieldProps & { optional?: boolean; placeholder?: string; maxLength?: number; code?: boolean; onText?: (value: string) => void },
) {
  const { path, optional, placeholder, maxLength, code, onText } = props;
  const { draft, readOnly, update } = useDraft();
  const value = getIn(draft, path);
  return (
    <FieldFrame {...props}>
      {({ id, invalid, describedBy }) => (
        <input
          id={id}
          type="text"
          value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''}
          onChange={(e) => (onText ? onText(e.target.value) : update(path, optional && e.target.value === '' ? undefined : e.target.value))}
          placeholder={placeholder}
          maxLength={maxLength}
          disabled={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          autoCapitalize={code ? 'none' : undefined}
          autoCorrect={code ? 'off' : undefined}
          spellCheck={code ? false : undefined}
          className={`${inputClass} ${borderOf(invalid)} ${code ? 'font-mono' : ''}`}
        />
      )}
    </FieldFrame>
  );
}

/** What a number field shows for a value. */
const textOf = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '');

/** The value a number field's text stands for: a number, the text itself when it is not one (the schema names it), or undefined when empty. */
function parseNumberText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : text;
}

/**
 * A number field. Keeps what is typed ("1.", "-") while the draft holds what it stands for;
 * empty removes the key (the file's default applies, or the schema says it is required).
 */
export function NumberField(props: FieldProps & { placeholder?: string; integer?: boolean }) {
  const { path, placeholder, integer } = props;
  const { draft, readOnly, update } = useDraft();
  const value = getIn(draft, path);
  const [text, setText] = useState(textOf(value));
  // Changed from elsewhere (undo, import, a new version): show it.
  useEffect(() => {
    setText((t) => (parseNumberText(t) === value ? t : textOf(value)));
  }, [value]);
  return (
    <FieldFrame {...props}>
      {({ id, invalid, describedBy }) => (
        <input
          id={id}
          type="text"
          inputMode={integer ? 'numeric' : 'decimal'}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            update(path, parseNumberText(e.target.value));
          }}
          placeholder={placeholder}
          disabled={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          autoComplete="off"
          className={`${inputClass} ${borderOf(invalid)} tabular-nums`}
        />
      )}
    </FieldFrame>
  );
}

export interface Choice {
  value: string;
  label: string;
}

/** A select; the choice `''` (if offered) removes the key. */
export function SelectField(props: FieldProps & { choices: readonly Choice[]; onPick?: (value: string) => void }) {
  const { path, choices, onPick } = props;
  const { draft, readOnly, update } = useDraft();
  const value = getIn(draft, path);
  const current = value === undefined ? '' : String(value);
  return (
    <FieldFrame {...props}>
      {({ id, invalid, describedBy }) => (
        <select
          id={id}
          value={current}
          onChange={(e) => (onPick ? onPick(e.target.value) : update(path, e.target.value === '' ? undefined : e.target.value))}
          disabled={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          className={`${inputClass} ${borderOf(invalid)}`}
        >
          {/* A value the choices do not know (an imported file's): shown, so the problem is visible. */}
          {!choices.some((c) => c.value === current) && <option value={current}>{current || '—'}</option>}
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

/** A checkbox for a boolean with a default: unchecked-by-default keys are written out only when true. */
export function CheckField(props: Omit<FieldProps, 'hint'> & { defaultValue: boolean; hint?: string }) {
  const { label, path, defaultValue, hint, className } = props;
  const { draft, readOnly, update, problems } = useDraft();
  const value = getIn(draft, path);
  const checked = typeof value === 'boolean' ? value : defaultValue;
  const p = formatPath(path);
  const id = fieldId(p);
  const messages = problems.get(p);
  return (
    <div className={className} data-field={p}>
      <label htmlFor={id} className="inline-flex min-h-11 items-center gap-2 text-sm font-medium">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={readOnly}
          onChange={(e) => update(path, e.target.checked)}
          aria-describedby={hint ? `${id}-hint` : undefined}
          className="size-6 shrink-0"
        />
        {label}
      </label>
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-muted">
          {hint}
        </p>
      )}
      <FieldProblems id={`${id}-problems`} messages={messages} />
    </div>
  );
}

/**
 * Problems of a whole part (a tag's alarms, a line's connections) shown where the part is.
 * `anchor`: this is where "Show" lands for the path (false when the part's container is).
 */
export function PartProblems({ path, className, anchor = true }: { path: readonly Step[]; className?: string; anchor?: boolean }) {
  const { problems } = useDraft();
  const p = formatPath(path);
  const messages = problems.get(p);
  if (!messages?.length) return null;
  return (
    <div className={className} data-field={p} id={anchor ? fieldId(p) : undefined} tabIndex={anchor ? -1 : undefined}>
      <FieldProblems id={`${fieldId(p)}-problems`} messages={messages} />
    </div>
  );
}
