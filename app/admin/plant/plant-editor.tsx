'use client';

import { type ChangeEvent, useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import useSWR from 'swr';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { diffPlants, rebasePlant, sameValue } from '../../../lib/plant/plant-diff.ts';
import type { PlantFile } from '../../../lib/plant/schema.ts';
import { byPath, countUnder, fieldId, formatPath, newLine, type Problem, plantFileText, readPlantFile, setIn, type Step, validatePlant } from './draft.ts';
import { DraftContext, type DraftContextValue, ProblemCount, primaryButton, quietButton, secondaryButton, TextField } from './fields.tsx';
import { LineEditor } from './line-editor.tsx';
import { type Applied, applyPlant, type CurrentPlant, fetchVersion, plantUrl, type Refusal, refusalOf, stamp } from './plant-api.ts';
import { type ServerProblem, serverProblemsOf, standingServerProblems, stepsOf } from './server-problems.ts';
import { normalized, VersionsPanel } from './versions-panel.tsx';
import { DraftBar, dialogTitleId, type Outcome, OutcomeView, ProblemList, ReviewPanel } from './apply-panels.tsx';

interface Session {
  /** The version the draft started from: what an apply says it is based on. */
  base: CurrentPlant;
  draft: PlantFile;
}

interface Selection {
  line: number;
  conn: number;
  tag: number | null;
}

/**
 * The plant editor: lines → connections → tags → alarm limits as a draft of the current
 * version, validated as typed by the plant file's own schema; "Read now" per connection;
 * apply (a new version, live), versions with diffs and roll back, import and export. When
 * the file is the source of truth, everything shows read-only.
 */
export function PlantEditor() {
  const { data, error, mutate } = useSWR<CurrentPlant>(plantUrl, apiFetch, { revalidateOnFocus: false });
  const [session, setSession] = useState<Session | null>(null);
  const [tab, setTab] = useState<'edit' | 'versions'>('edit');
  const [sel, setSel] = useState<Selection>({ line: 0, conn: 0, tag: null });
  const [notice, setNotice] = useState<{ text: string; undo?: PlantFile } | null>(null);
  const [sheet, setSheet] = useState<'closed' | 'review' | 'problems'>('closed');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [serverProblems, setServerProblems] = useState<ServerProblem[]>([]);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const ids = { sheet: useId(), importInput: useId() };

  if (data && !session) setSession({ base: data, draft: data.plant });

  const draft = session?.draft;
  const deferred = useDeferredValue(draft);
  // The whole plant each time: cross-field rules (unique names, references) need all of it.
  const problemList = useMemo(() => {
    if (!deferred) return [];
    const own = validatePlant(deferred);
    return [...own, ...standingServerProblems(serverProblems, deferred, own)];
  }, [deferred, serverProblems]);
  const problems = useMemo(() => byPath(problemList), [problemList]);
  const changes = useMemo(() => (session && deferred ? diffPlants(session.base.plant, deferred) : []), [session, deferred]);
  const dirty = !!session && !sameValue(session.draft, session.base.plant);
  const readOnly = data?.readOnly ?? session?.base.readOnly ?? false;
  const newer = data && session && data.version !== session.base.version ? data : null;

  // A version applied elsewhere while nothing was edited here: just take it.
  if (newer && !dirty) setSession({ base: newer, draft: newer.plant });

  useEffect(() => {
    const d = dialogRef.current;
    if (!d) return;
    if (sheet !== 'closed' && !d.open) d.showModal();
    else if (sheet === 'closed' && d.open) d.close();
  });

  // Unapplied edits are not lost to a stray tap on a link or a reload without a question.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const update = useCallback((path: readonly Step[], value: unknown) => {
    setSession((s) => (s ? { ...s, draft: setIn(s.draft, path, value) } : s));
  }, []);
  const change = useCallback((label: string, edit: (d: PlantFile) => PlantFile) => {
    const before = sessionRef.current?.draft;
    setSession((s) => (s ? { ...s, draft: edit(s.draft) } : s));
    setNotice({ text: label, undo: before });
  }, []);

  const reportServerProblems = useCallback((named: readonly Problem[]) => {
    const d = sessionRef.current?.draft;
    if (d) setServerProblems(serverProblemsOf(named, d));
  }, []);

  const ctx = useMemo<DraftContextValue | null>(
    () => (draft ? { draft, problems, problemList, readOnly, update, change, reportServerProblems } : null),
    [draft, problems, problemList, readOnly, update, change, reportServerProblems],
  );

  if (error && !data) return <p role="alert">Could not load the plant: {(error as Error).message}</p>;
  if (!session || !ctx || !draft) return <p className="text-muted">Loading the plant…</p>;

  const lines = Array.isArray(draft.lines) ? draft.lines : [];
  const lineIndex = Math.min(sel.line, lines.length - 1);
  const line = lineIndex >= 0 ? lines[lineIndex] : undefined;
  const current = data ?? session.base;

  /** Takes a version as the new base, dropping the draft. */
  function load(v: CurrentPlant, text?: string) {
    setSession({ base: v, draft: v.plant });
    setServerProblems([]);
    setNotice(text ? { text } : null);
  }

  async function fresh(): Promise<CurrentPlant> {
    const v = await mutate();
    if (!v) throw new Error('the plant could not be loaded');
    return v;
  }

  async function apply() {
    if (!session) return;
    setBusy(true);
    setOutcome(null);
    let result: Applied;
    try {
      result = await applyPlant(session.base.version, session.draft, comment.trim());
    } catch (e) {
      await refused(refusalOf(e));
      setBusy(false);
      return;
    }
    setComment('');
    setOutcome({ kind: 'applied', result, what: 'Applied' });
    try {
      load(await fresh());
    } catch {
      // Applied all the same: the `plant` stream event (or the next load) brings the new version.
    }
    setBusy(false);
  }

  /** Shows a refusal; for a conflict, also what the other apply changed (base → current, from the versions API). */
  async function refused(refusal: Refusal) {
    setSheet('review');
    // Shown at their fields too (and counted), until those fields change.
    if (refusal.kind === 'invalid') reportServerProblems(refusal.problems);
    if (refusal.kind !== 'conflict' || !session) {
      setOutcome({ kind: 'refused', refusal });
      return;
    }
    try {
      const theirs = await fetchVersion(refusal.current.version);
      const changes = diffPlants(normalized(session.base.plant), normalized(theirs.plant));
      setOutcome({ kind: 'refused', refusal, theirs: { from: session.base, to: theirs, changes } });
    } catch {
      setOutcome({ kind: 'refused', refusal });
    }
    void mutate();
  }

  /** Replays this draft's edits on the current version (someone else applied meanwhile). */
  async function rebase() {
    if (!session) return;
    setBusy(true);
    try {
      const now = await fresh();
      const { plant, conflicts } = rebasePlant(session.base.plant, session.draft, now.plant);
      setSession({ base: now, draft: plant as PlantFile });
      setOutcome({ kind: 'rebased', version: now.version, conflicts });
      setSheet('review');
    } catch (e) {
      setOutcome({ kind: 'refused', refusal: refusalOf(e) });
    } finally {
      setBusy(false);
    }
  }

  function onApplied(result: Applied, what: string) {
    void fresh().then((v) => load(v));
    setOutcome({ kind: 'applied', result, what });
    setSheet('review');
  }

  async function importFile(e: ChangeEvent<HTMLInputElement>) {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const read = readPlantFile(await file.text());
    if (!read.ok) {
      setOutcome({ kind: 'import-failed', file: file.name, problems: read.problems });
      setSheet('review');
      return;
    }
    change(`Imported ${file.name} as the draft`, () => read.plant);
    setSel({ line: 0, conn: 0, tag: null });
    setTab('edit');
  }

  function exportCurrent() {
    const url = URL.createObjectURL(new Blob([plantFileText(current.plant)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `plant-v${current.version}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** Brings the field of a problem into view: its line, connection and tag opened, the field focused. */
  function show(path: string) {
    const steps = stepsOf(path);
    const at = (key: string) => {
      const i = steps.indexOf(key);
      return i >= 0 && typeof steps[i + 1] === 'number' ? (steps[i + 1] as number) : null;
    };
    const l = at('lines');
    setTab('edit');
    setSheet('closed');
    if (l !== null) setSel({ line: l, conn: at('connections') ?? 0, tag: at('tags') });
    // After the render that opens it: the field itself, else the nearest part of it on screen.
    setTimeout(() => {
      for (let n = steps.length; n > 0; n--) {
        const el = document.getElementById(fieldId(formatPath(steps.slice(0, n))));
        if (el) {
          el.scrollIntoView({ block: 'center' });
          el.focus();
          return;
        }
      }
    }, 50);
  }

  const problemCount = problemList.length;
  return (
    <DraftContext.Provider value={ctx}>
      <div className="space-y-4 pb-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <p className="text-sm text-muted" data-testid="plant-version">
            <span className="font-semibold text-fg">Version {current.version}</span> · applied by {current.appliedBy} · {stamp(current.appliedAt)}
            {current.comment ? ` · “${current.comment}”` : ''}
          </p>
          <div className="flex flex-wrap gap-2">
            <button type="button" className={quietButton} onClick={exportCurrent}>
              Export version {current.version} (.json)
            </button>
            {!readOnly && (
              <label htmlFor={ids.importInput} className={`${quietButton} cursor-pointer focus-within:outline-3 focus-within:outline-focus`}>
                Import a plant file…
                <input id={ids.importInput} type="file" accept=".json,application/json" className="sr-only" onChange={(e) => void importFile(e)} />
              </label>
            )}
          </div>
        </div>

        {readOnly && (
          <p role="note" className="rounded-md border-2 border-edge bg-raised px-3 py-2">
            <strong>Read-only.</strong> The plant file on the server is the source of truth (managed outside the app, e.g. in git): change it there and restart.
            What is shown here is version {current.version}.
          </p>
        )}

        {newer && dirty && !busy && (
          <div role="status" className="rounded-md border-2 border-edge bg-raised px-3 py-2">
            <p className="font-semibold">
              Version {newer.version} was applied by {newer.appliedBy} ({stamp(newer.appliedAt)}) after you started this draft from version{' '}
              {session.base.version}.
            </p>
            <p className="text-sm">Applying now would be refused. Take their version and keep your edits on top of it, or drop your edits.</p>
            <div className="mt-2 flex flex-wrap gap-2">
              <button type="button" className={primaryButton} disabled={busy} onClick={() => void rebase()}>
                Reload on top of version {newer.version}
              </button>
              <button type="button" className={quietButton} onClick={() => load(newer, `Loaded version ${newer.version}; your edits were dropped.`)}>
                Drop my edits
              </button>
            </div>
          </div>
        )}

        <div role="tablist" aria-label="Plant editor" className="flex gap-1 border-b border-edge">
          {(['edit', 'versions'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls={`panel-${t}`}
              onClick={() => setTab(t)}
              className="-mb-px min-h-11 rounded-t-md px-4 font-semibold text-muted aria-selected:border aria-selected:border-edge aria-selected:border-b-canvas aria-selected:bg-canvas aria-selected:text-fg"
            >
              {t === 'edit' ? (readOnly ? 'Plant' : 'Edit') : 'Versions'}
            </button>
          ))}
        </div>

        {tab === 'edit' ? (
          <div role="tabpanel" id="panel-edit" aria-labelledby="tab-edit" className="space-y-4">
            <div className="max-w-md">
              <TextField label="Plant name" path={['name']} maxLength={80} />
            </div>
            <section aria-labelledby="lines-heading">
              <h2 id="lines-heading" className="text-lg font-semibold">
                Lines <span className="font-normal text-muted">({lines.length})</span>
              </h2>
              <ul className="mt-2 flex flex-wrap gap-2" aria-label="Lines">
                {lines.map((l, i) => {
                  const n = countUnder(problemList, `lines[${i}]`);
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: line ids change as they are typed; the index is the identity here
                    <li key={i}>
                      <button
                        type="button"
                        aria-pressed={i === lineIndex}
                        onClick={() => setSel({ line: i, conn: 0, tag: null })}
                        className={`${quietButton} aria-pressed:border-2 aria-pressed:border-edge aria-pressed:bg-raised aria-pressed:underline aria-pressed:underline-offset-4`}
                      >
                        {l.name || l.id || '(unnamed)'}
                        <ProblemCount n={n} />
                      </button>
                    </li>
                  );
                })}
                {!readOnly && (
                  <li>
                    <button
                      type="button"
                      className={secondaryButton}
                      onClick={() => {
                        const at = lines.length;
                        change('Added a line', (d) => setIn(d, ['lines', at], newLine(d)));
                        setSel({ line: at, conn: 0, tag: null });
                      }}
                    >
                      Add line
                    </button>
                  </li>
                )}
              </ul>
            </section>
            {line && (
              <LineEditor
                key={lineIndex}
                lineIndex={lineIndex}
                line={line}
                conn={sel.conn}
                openTag={sel.tag}
                onOpenTag={(tag) => setSel((s) => ({ ...s, tag }))}
                onSelectConn={(conn) => setSel((s) => ({ ...s, conn, tag: null }))}
                onRemove={() => {
                  change(`Removed line ${line.id}`, (d) => setIn(d, ['lines', lineIndex], undefined));
                  setSel({ line: Math.max(0, lineIndex - 1), conn: 0, tag: null });
                }}
              />
            )}
          </div>
        ) : (
          <div role="tabpanel" id="panel-versions" aria-labelledby="tab-versions">
            <VersionsPanel current={current} readOnly={readOnly} dirty={dirty} onApplied={onApplied} onRefused={(r) => void refused(r)} />
          </div>
        )}
      </div>

      {/* Review, problems and outcomes: a modal dialog over the editor (Esc or Close ends it). */}
      <dialog
        ref={dialogRef}
        id={ids.sheet}
        aria-labelledby={dialogTitleId}
        onClose={() => setSheet('closed')}
        className="m-auto max-h-[88vh] w-[calc(100%-1rem)] max-w-3xl overflow-y-auto rounded-lg border-2 border-edge bg-surface p-4 text-fg backdrop:bg-black/50"
      >
        {sheet !== 'closed' &&
          (sheet === 'problems' ? (
            <ProblemList problems={problemList} onShow={show} />
          ) : outcome ? (
            <OutcomeView
              outcome={outcome}
              busy={busy}
              onRebase={() => void rebase()}
              onDrop={() => void fresh().then((v) => load(v, `Loaded version ${v.version}; your edits were dropped.`))}
              onShow={show}
              onClose={() => {
                setOutcome(null);
                setSheet('closed');
              }}
            />
          ) : (
            <ReviewPanel
              baseVersion={session.base.version}
              changes={changes}
              problemCount={problemCount}
              comment={comment}
              onComment={setComment}
              busy={busy}
              dirty={dirty}
              onApply={() => void apply()}
              onProblems={() => setSheet('problems')}
              onClose={() => setSheet('closed')}
              onDiscard={() => {
                load(current, 'Draft discarded.');
                setSheet('closed');
              }}
            />
          ))}
      </dialog>

      {(!readOnly || outcome) && (
        <DraftBar
          baseVersion={session.base.version}
          dirty={dirty}
          changeCount={changes.length}
          problemCount={problemCount}
          notice={notice}
          readOnly={readOnly}
          hasOutcome={!!outcome}
          onUndo={(undo) => {
            setSession((s) => (s ? { ...s, draft: undo } : s));
            setNotice({ text: 'Undone.' });
          }}
          onProblems={() => setSheet('problems')}
          onDiscard={() => load(current, 'Draft discarded.')}
          onReview={() => {
            if (dirty) setOutcome(null);
            setSheet('review');
          }}
        />
      )}
    </DraftContext.Provider>
  );
}
