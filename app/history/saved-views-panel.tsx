'use client';

import { startTransition, useEffect, useId, useState, type FormEvent } from 'react';
import { parseHistoryParams, type RangeChoice } from './range.ts';
import { parseSavedViews, removeView, saveView, savedViewsKey, type SavedView } from './saved-views.ts';

interface Props {
  /** The shown view's query string (`?tags=…&range=…`). */
  search: string;
  canSave: boolean;
  onOpen(view: { tags: string[]; choice: RangeChoice }): void;
  /** Tags of the plant: a saved view keeps only those that still exist. */
  knownTags: ReadonlyMap<string, unknown>;
}

const button =
  'inline-flex min-h-11 min-w-11 items-center justify-center rounded-md border border-edge bg-raised px-3 text-sm font-medium hover:bg-surface disabled:cursor-not-allowed disabled:opacity-50';

function load(): SavedView[] {
  try {
    return parseSavedViews(window.localStorage.getItem(savedViewsKey));
  } catch {
    return [];
  }
}

/** Named trend views kept on this device; the page's address shares the shown one. */
export function SavedViews({ search, canSave, onOpen, knownTags }: Props) {
  const id = useId();
  const [views, setViews] = useState<SavedView[]>([]);
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');

  useEffect(() => {
    // Not urgent, like the page's other state set on arrival (history-view.tsx).
    startTransition(() => setViews(load()));
    const onStorage = (e: StorageEvent) => {
      if (e.key === savedViewsKey) setViews(load());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  function keep(next: SavedView[]): void {
    setViews(next);
    try {
      window.localStorage.setItem(savedViewsKey, JSON.stringify(next));
    } catch {
      setStatus('This browser does not keep saved views (storage refused); the link still shares the view.');
    }
  }

  function save(e: FormEvent): void {
    e.preventDefault();
    if (!name.trim()) return;
    keep(saveView(views, { name, search }));
    setStatus(`Saved “${name.trim()}”.`);
    setName('');
  }

  async function copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setStatus('Link copied: it opens this view, tags and range.');
    } catch {
      setStatus('Copy the address bar to share this view.');
    }
  }

  const open = (v: SavedView) => onOpen(parseHistoryParams(Object.fromEntries(new URLSearchParams(v.search)), new Set(knownTags.keys())));

  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-edge bg-surface p-3 sm:p-4">
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        Saved views
      </h2>
      {views.length > 0 ? (
        <ul className="mt-2 flex flex-wrap gap-2" aria-label="Saved views" data-testid="saved-views">
          {views.map((v) => (
            <li key={v.name} className="flex items-center rounded-md border border-edge bg-raised">
              <a
                href={`/history${v.search}`}
                className="inline-flex min-h-11 items-center px-3 text-sm font-medium underline underline-offset-4"
                aria-current={v.search === search ? 'page' : undefined}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  open(v);
                }}
              >
                {v.name}
              </a>
              <button
                type="button"
                className="inline-flex min-h-11 min-w-11 items-center justify-center text-muted"
                onClick={() => keep(removeView(views, v.name))}
              >
                <span aria-hidden="true">✕</span>
                <span className="sr-only">Remove the saved view {v.name}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-1 text-sm text-muted">None on this device yet. A view is the tags and the range shown now.</p>
      )}
      <form className="mt-3 flex flex-wrap items-end gap-2" onSubmit={save}>
        <label className="grid min-w-0 flex-1 gap-1 text-sm font-medium sm:flex-none">
          Name of this view
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={60}
            className="min-h-11 w-full rounded-md border border-edge bg-raised px-2 text-base sm:w-64"
            placeholder="e.g. Extruder temperatures"
          />
        </label>
        <button type="submit" className={button} disabled={!canSave || !name.trim()}>
          Save view
        </button>
        <button type="button" className={button} onClick={() => void copyLink()}>
          Copy link
        </button>
      </form>
      <p role="status" className="mt-1 min-h-5 text-sm">
        {status}
      </p>
    </section>
  );
}
