'use client';

import { Fragment, useId, useMemo, useState, useSyncExternalStore } from 'react';
import { compareIds } from '../../../lib/compare-ids.ts';
import type { RegisterArea } from '../../../lib/plant/schema.ts';
import { Icon } from '../../_components/glyph.tsx';
import { BulkAddForm } from './bulk-add.tsx';
import {
  countUnder,
  dropTagRefs,
  duplicateTag,
  formatPath,
  type LineFile,
  newTag,
  nextFreeAddress,
  setIn,
  type Step,
  type TagFile,
  tagNamesOf,
} from './draft.ts';
import { inputClass, PartProblems, quietButton, secondaryButton, useDraft } from './fields.tsx';
import { alarmSummary, TagForm } from './tag-form.tsx';

type SortKey = 'file' | 'name' | 'address' | 'type' | 'area';
const sortLabels: Record<SortKey, string> = { file: 'Order in the file', name: 'Name', address: 'Area and address', type: 'Type', area: 'Area' };

const narrowQuery = '(max-width: 639.98px)';
function subscribeNarrow(onChange: () => void): () => void {
  const mq = window.matchMedia(narrowQuery);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}
/** Phones: the tag table becomes cards. */
function useNarrow(): boolean {
  return useSyncExternalStore(
    subscribeNarrow,
    () => window.matchMedia(narrowQuery).matches,
    () => false,
  );
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : String(v));
const num = (v: unknown) => (typeof v === 'number' ? v : Number.POSITIVE_INFINITY);

function compareTags(key: SortKey, a: TagFile, b: TagFile): number {
  switch (key) {
    case 'name':
      return compareIds(str(a.name), str(b.name));
    case 'type':
      return compareIds(str(a.type), str(b.type)) || compareIds(str(a.name), str(b.name));
    case 'area':
      return compareIds(str(a.area), str(b.area)) || compareIds(str(a.name), str(b.name));
    case 'address':
      return compareIds(str(a.area), str(b.area)) || num(a.address) - num(b.address) || num(a.bit) - num(b.bit);
    default:
      return 0;
  }
}

function matches(tag: TagFile, filter: string): boolean {
  if (!filter) return true;
  const hay = [tag.name, tag.label, tag.area, tag.type, tag.address, tag.unit].map(str).join(' ').toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .every((w) => hay.includes(w));
}

const where = (t: TagFile) => `${str(t.area)} ${str(t.address)}${t.bit !== undefined ? `.${str(t.bit)}` : ''}`;

/**
 * The tags of one connection: filter, sort (the view only: the file keeps its order), add one
 * or many, and per tag edit (an expanding row), duplicate and remove. A table on wider
 * screens, cards on a phone.
 */
export function TagList(props: { lineIndex: number; connIndex: number; line: LineFile; open: number | null; onOpen(tag: number | null): void }) {
  const { lineIndex, connIndex, line, open, onOpen: setOpen } = props;
  const { readOnly, change, problemList } = useDraft();
  const conn = line.connections[connIndex]!;
  const tags: TagFile[] = Array.isArray(conn.tags) ? conn.tags : [];
  const connPath: Step[] = ['lines', lineIndex, 'connections', connIndex];
  const linePath: Step[] = ['lines', lineIndex];
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortKey>('file');
  const [descending, setDescending] = useState(false);
  const [bulk, setBulk] = useState(false);
  const narrow = useNarrow();
  const ids = { filter: useId(), sort: useId(), heading: useId() };

  const shown = useMemo(() => {
    const rows = tags.map((tag, index) => ({ tag, index })).filter((r) => matches(r.tag, filter.trim()));
    if (sort !== 'file') rows.sort((a, b) => compareTags(sort, a.tag, b.tag) || a.index - b.index);
    if (descending) rows.reverse();
    return rows;
  }, [tags, filter, sort, descending]);

  const editConnTags = (label: string, edit: (l: LineFile) => LineFile) => change(label, (d) => setIn(d, linePath, edit(d.lines[lineIndex]!)));

  function add() {
    const tag = newTag(tags, tagNamesOf(line));
    editConnTags('Added a tag', (l) => setIn(l, ['connections', connIndex, 'tags', tags.length], tag));
    setFilter('');
    setOpen(tags.length);
  }

  function addMany(made: TagFile[]) {
    editConnTags(`Added ${made.length} tags (${made[0]!.name} … ${made.at(-1)!.name})`, (l) =>
      setIn(l, ['connections', connIndex, 'tags'], [...(l.connections[connIndex]!.tags ?? []), ...made]),
    );
    setBulk(false);
    setFilter('');
  }

  function duplicate(index: number) {
    const { name } = duplicateTag(line, connIndex, index);
    editConnTags(`Duplicated tag ${tags[index]!.name} as ${name}`, (l) => duplicateTag(l, connIndex, index).line);
    setOpen(index + 1);
    if (!matches({ ...tags[index]!, name }, filter.trim())) setFilter('');
  }

  function remove(index: number) {
    const name = tags[index]!.name;
    editConnTags(`Removed tag ${name}`, (l) => dropTagRefs(setIn(l, ['connections', connIndex, 'tags', index], undefined), name));
    setOpen(open === null || open === index ? null : open > index ? open - 1 : open);
  }

  const nextAddress = (area: RegisterArea) => nextFreeAddress(tags, area);
  const problemsOf = (index: number) => countUnder(problemList, formatPath([...connPath, 'tags', index]));

  const actions = (tag: TagFile, index: number) => (
    <div className="flex flex-wrap justify-end gap-1.5">
      <button
        type="button"
        className={secondaryButton}
        aria-expanded={open === index}
        aria-controls={`tag-form-${lineIndex}-${connIndex}-${index}`}
        onClick={() => setOpen(open === index ? null : index)}
      >
        {open === index ? 'Close' : readOnly ? 'Details' : 'Edit'}
        <span className="sr-only"> tag {tag.name}</span>
      </button>
      {!readOnly && (
        <>
          <button type="button" className={quietButton} onClick={() => duplicate(index)}>
            Duplicate<span className="sr-only"> tag {tag.name}</span>
          </button>
          <button type="button" className={quietButton} onClick={() => remove(index)}>
            Remove<span className="sr-only"> tag {tag.name}</span>
          </button>
        </>
      )}
    </div>
  );

  const problemMark = (index: number) => {
    const n = problemsOf(index);
    if (n === 0) return null;
    return (
      <span className="mt-0.5 inline-flex items-center gap-1 rounded border-2 border-diag bg-diag-bg px-1.5 text-xs font-semibold text-diag">
        <Icon name="fault" className="size-3.5" />
        {n} problem{n > 1 ? 's' : ''}
      </span>
    );
  };

  const form = (tag: TagFile, index: number) => (
    <div id={`tag-form-${lineIndex}-${connIndex}-${index}`} className="border-t border-edge-soft bg-raised p-3">
      <TagForm path={[...connPath, 'tags', index]} linePath={linePath} tag={tag} />
    </div>
  );

  return (
    <section aria-labelledby={ids.heading} className="mt-4">
      <h4 id={ids.heading} className="text-lg font-semibold">
        Tags <span className="font-normal text-muted">({tags.length})</span>
      </h4>
      <PartProblems path={[...connPath, 'tags']} />
      <div className="mt-2 flex flex-wrap items-end gap-2">
        <div className="min-w-40 flex-1">
          <label htmlFor={ids.filter} className="text-sm font-medium">
            Filter tags
          </label>
          <input
            id={ids.filter}
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="name, label, area, type…"
            className={`${inputClass} border-edge`}
          />
        </div>
        <div>
          <label htmlFor={ids.sort} className="text-sm font-medium">
            Sort by
          </label>
          <select id={ids.sort} value={sort} onChange={(e) => setSort(e.target.value as SortKey)} className={`${inputClass} border-edge`}>
            {(Object.keys(sortLabels) as SortKey[]).map((k) => (
              <option key={k} value={k}>
                {sortLabels[k]}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className={quietButton} onClick={() => setDescending((d) => !d)}>
          {descending ? 'Descending' : 'Ascending'}
          <span className="sr-only"> order: tap to reverse</span>
        </button>
        {!readOnly && (
          <div className="flex gap-2">
            <button type="button" className={secondaryButton} onClick={add}>
              Add tag
            </button>
            <button type="button" className={secondaryButton} aria-expanded={bulk} onClick={() => setBulk((b) => !b)}>
              Add many tags
            </button>
          </div>
        )}
      </div>
      {bulk && !readOnly && <BulkAddForm existing={tagNamesOf(line)} nextAddress={nextAddress} onAdd={addMany} onClose={() => setBulk(false)} />}
      <p className="mt-2 text-sm text-muted" aria-live="polite">
        {filter.trim() ? `${shown.length} of ${tags.length} tags match “${filter.trim()}”.` : tags.length === 0 ? 'No tags yet: add one, or many at once.' : ''}
      </p>
      {shown.length > 0 &&
        (narrow ? (
          <ul className="mt-1 space-y-2" aria-label={`Tags of ${conn.id}`}>
            {shown.map(({ tag, index }) => (
              <li key={index} className="rounded-md border border-edge bg-surface" data-tag-row={tag.name}>
                <div className="p-3">
                  <p className="font-semibold break-words">{str(tag.name) || '(no name)'}</p>
                  {tag.label && <p className="text-sm break-words">{tag.label}</p>}
                  <p className="text-sm text-muted">
                    {where(tag)} · {str(tag.type)}
                    {tag.unit ? ` · ${tag.unit}` : ''}
                  </p>
                  <p className="text-sm">
                    <span className="text-muted">Alarms: </span>
                    {alarmSummary(tag)}
                  </p>
                  {problemMark(index)}
                  <div className="mt-2">{actions(tag, index)}</div>
                </div>
                {open === index && form(tag, index)}
              </li>
            ))}
          </ul>
        ) : (
          <div className="mt-1 overflow-x-auto rounded-md border border-edge bg-surface">
            <table className="w-full border-collapse text-left text-sm">
              <caption className="sr-only">Tags of connection {conn.id}</caption>
              <thead className="text-muted">
                <tr className="border-b border-edge">
                  <th scope="col" className="px-3 py-2 font-medium" aria-sort={sort === 'name' ? (descending ? 'descending' : 'ascending') : undefined}>
                    Tag
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium" aria-sort={sort === 'address' ? (descending ? 'descending' : 'ascending') : undefined}>
                    Address
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium" aria-sort={sort === 'type' ? (descending ? 'descending' : 'ascending') : undefined}>
                    Type
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Alarms
                  </th>
                  <th scope="col" className="py-2 pr-3 text-right font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-edge-soft">
                {shown.map(({ tag, index }) => (
                  <Fragment key={index}>
                    <tr data-tag-row={tag.name}>
                      <th scope="row" className="px-3 py-2 align-top font-normal">
                        <span className="block font-semibold break-words">{str(tag.name) || '(no name)'}</span>
                        {tag.label && <span className="block text-muted">{tag.label}</span>}
                        {problemMark(index)}
                      </th>
                      <td className="py-2 pr-3 align-top whitespace-nowrap">{where(tag)}</td>
                      <td className="py-2 pr-3 align-top">
                        {str(tag.type)}
                        {tag.unit ? <span className="block text-muted">{tag.unit}</span> : null}
                      </td>
                      <td className="py-2 pr-3 align-top">{alarmSummary(tag)}</td>
                      <td className="py-2 pr-3 align-top">{actions(tag, index)}</td>
                    </tr>
                    {open === index && (
                      <tr>
                        <td colSpan={5} className="p-0">
                          {form(tag, index)}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
