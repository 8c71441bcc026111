'use client';

import { type FormEvent, useId, useState } from 'react';
import { type BulkTagsInput, bulkTags, maxBulkTags, type TagFile } from '../../../lib/plant/bulk-tags.ts';
import type { RegisterArea, TagType } from '../../../lib/plant/schema.ts';
import { FieldProblems, inputClass, primaryButton, quietButton } from './fields.tsx';
import { areaChoices, typeChoices } from './tag-form.tsx';

type Form = Record<'count' | 'start' | 'startBit' | 'firstN' | 'namePattern' | 'labelPattern' | 'unit' | 'decimals' | 'scale', string> & {
  area: RegisterArea;
  type: TagType;
};

const initial = (start: number): Form => ({
  count: '10',
  area: 'holding',
  type: 'float32',
  start: String(start),
  startBit: '0',
  firstN: '1',
  namePattern: 'tag-{n}',
  labelPattern: '',
  unit: '',
  decimals: '',
  scale: '',
});

const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
const opt = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** The form as bulkTags' input: empty optional fields left out. */
function inputOf(f: Form): BulkTagsInput {
  return {
    count: num(f.count),
    area: f.area,
    type: f.type,
    start: num(f.start),
    ...(f.type === 'bool' && (f.area === 'holding' || f.area === 'input') ? { startBit: num(f.startBit) } : {}),
    firstN: num(f.firstN),
    namePattern: f.namePattern.trim(),
    ...(f.labelPattern.trim() ? { labelPattern: f.labelPattern.trim() } : {}),
    ...(f.unit.trim() && f.type !== 'bool' ? { unit: f.unit.trim() } : {}),
    decimals: opt(f.decimals),
    scale: f.type === 'bool' ? undefined : opt(f.scale),
  };
}

/**
 * "Add many tags": count, area, type, first address and a name pattern with `{n}`; a preview
 * of what it makes, and every refusal named by field (lib/plant/bulk-tags.ts). The tags are
 * then checked with the plant like any other.
 */
export function BulkAddForm(props: {
  existing: readonly string[];
  nextAddress: (area: RegisterArea) => number;
  onAdd(tags: TagFile[]): void;
  onClose(): void;
}) {
  const { existing, nextAddress, onAdd, onClose } = props;
  const [form, setForm] = useState<Form>(() => initial(nextAddress('holding')));
  const [touched, setTouched] = useState(false);
  const base = useId();
  const result = bulkTags(inputOf(form), existing);
  const problems = new Map<string, string[]>();
  if (!result.ok) for (const p of result.problems) problems.set(p.field, [...(problems.get(p.field) ?? []), p.message]);
  // The fields bulkTags only copies: checked here so that Add never makes tags the schema refuses for a typo.
  for (const k of ['decimals', 'scale'] as const) if (form[k].trim() !== '' && !Number.isFinite(Number(form[k]))) problems.set(k, ['must be a number']);
  const ok = result.ok && problems.size === 0;
  const set = (k: keyof Form, v: string) => {
    setTouched(true);
    setForm((f) => {
      const next = { ...f, [k]: v } as Form;
      if (k === 'area') {
        if (v === 'coil' || v === 'discrete') next.type = 'bool';
        next.start = String(nextAddress(v as RegisterArea));
      }
      return next;
    });
  };
  const bitInRegister = form.type === 'bool' && (form.area === 'holding' || form.area === 'input');

  function field(k: keyof Form, label: string, opts: { numeric?: boolean; hint?: string; wide?: boolean; problemKey?: string } = {}) {
    const id = `${base}-${k}`;
    const messages = touched || k !== 'namePattern' ? problems.get(opts.problemKey ?? k) : undefined;
    const describedBy = [opts.hint ? `${id}-hint` : '', messages ? `${id}-problems` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <div className={opts.wide ? 'col-span-2' : undefined}>
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <input
          id={id}
          type="text"
          inputMode={opts.numeric ? 'numeric' : undefined}
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          value={form[k]}
          onChange={(e) => set(k, e.target.value)}
          aria-invalid={messages ? true : undefined}
          aria-describedby={describedBy}
          className={`${inputClass} ${messages ? 'border-2 border-diag' : 'border-edge'}`}
        />
        {opts.hint && (
          <p id={`${id}-hint`} className="mt-0.5 text-xs text-muted">
            {opts.hint}
          </p>
        )}
        <FieldProblems id={`${id}-problems`} messages={messages} />
      </div>
    );
  }

  function select(k: 'area' | 'type', label: string, choices: typeof areaChoices) {
    const id = `${base}-${k}`;
    return (
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <select id={id} value={form[k]} onChange={(e) => set(k, e.target.value)} className={`${inputClass} border-edge`}>
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
    );
  }

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setTouched(true);
    if (ok && result.ok) onAdd(result.tags);
  }

  const first = result.ok ? result.tags[0] : undefined;
  const last = result.ok ? result.tags.at(-1) : undefined;
  const where = (t: TagFile) => `${t.address}${t.bit !== undefined ? `.${t.bit}` : ''}`;
  return (
    <form onSubmit={submit} aria-label="Add many tags" className="mt-3 rounded-md border-2 border-edge bg-raised p-3">
      <h4 className="mb-2 font-semibold">Add many tags</h4>
      <div className="grid grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-3 lg:grid-cols-4">
        {field('count', `How many (1–${maxBulkTags})`, { numeric: true })}
        {select('area', 'Area', areaChoices)}
        {select('type', 'Type', typeChoices)}
        {field('start', 'First address', { numeric: true })}
        {bitInRegister && field('startBit', 'First bit (0–15)', { numeric: true })}
        {field('namePattern', 'Name pattern', { hint: '{n} becomes each tag’s number, e.g. zone-{n}-temp', wide: true })}
        {field('firstN', 'First number {n}', { numeric: true })}
        {field('labelPattern', 'Label pattern (optional)', { hint: 'e.g. Zone {n} temperature', wide: true })}
        {form.type !== 'bool' && field('unit', 'Unit (optional)')}
        {form.type !== 'bool' && field('scale', 'Scale (optional)', { numeric: true })}
        {field('decimals', 'Decimals (optional)', { numeric: true })}
      </div>
      <p className="mt-2 text-sm" aria-live="polite">
        {first && last
          ? `Makes ${result.ok ? result.tags.length : 0} tags: ${first.name} at ${form.area} ${where(first)}${result.ok && result.tags.length > 1 ? ` … ${last.name} at ${where(last)}` : ''}.`
          : 'Fix the fields marked above to see what it makes.'}
      </p>
      <div className="mt-2 flex flex-wrap gap-2">
        <button type="submit" className={primaryButton} disabled={!ok}>
          {ok && result.ok ? `Add ${result.tags.length} tags` : 'Add tags'}
        </button>
        <button type="button" className={quietButton} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
