'use client';

import { useId } from 'react';
import type { PlantChange, RebaseConflict } from '../../../lib/plant/plant-diff.ts';
import type { PlantFile } from '../../../lib/plant/schema.ts';
import { Icon } from '../../_components/glyph.tsx';
import { ChangeList } from './change-list.tsx';
import type { Problem } from './draft.ts';
import { inputClass, primaryButton, quietButton } from './fields.tsx';
import { type Applied, type Refusal, stamp, type VersionInfo } from './plant-api.ts';

/** The editor's bottom bar and its dialog's contents: the draft's state, review and apply, problems, outcomes. */

/** The id of the heading that names the dialog, whichever view it shows. */
export const dialogTitleId = 'plant-dialog-title';

/** What the last action came to, shown in the dialog. */
export type Outcome =
  | { kind: 'applied'; result: Applied; what: string }
  | { kind: 'refused'; refusal: Refusal; theirs?: { from: VersionInfo; to: VersionInfo; changes: PlantChange[] } }
  | { kind: 'rebased'; version: number; conflicts: RebaseConflict[] }
  | { kind: 'import-failed'; file: string; problems: Problem[] };

/** Problems by path, each with a way to its field. `titled`: the list is the dialog's whole content and heads it. */
export function ProblemList({ problems, onShow, titled = true }: { problems: readonly Problem[]; onShow(path: string): void; titled?: boolean }) {
  if (problems.length === 0) return <p>No problems.</p>;
  return (
    <div>
      {titled && (
        <h2 id={dialogTitleId} className="mb-2 text-lg font-semibold">
          {problems.length} problem{problems.length > 1 ? 's' : ''} to fix before applying
        </h2>
      )}
      <ul className="divide-y divide-edge-soft rounded-md border border-edge-soft bg-raised text-sm" aria-label="Problems">
        {problems.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: two problems may share path and message
          <li key={i} className="flex flex-wrap items-center justify-between gap-2 px-3 py-1.5">
            <span className="min-w-0 flex-1">
              <code className="font-mono break-all">{p.path || '(plant)'}</code>: {p.message}
            </span>
            {p.path.startsWith('lines') || p.path === 'name' ? (
              <button type="button" className={quietButton} onClick={() => onShow(p.path)}>
                Show<span className="sr-only"> {p.path}</span>
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function OutcomeView(props: { outcome: Outcome; busy: boolean; onRebase(): void; onDrop(): void; onShow(path: string): void; onClose(): void }) {
  const { outcome, busy, onRebase, onDrop, onShow, onClose } = props;
  const close = (
    <button type="button" className={quietButton} onClick={onClose}>
      Close
    </button>
  );
  switch (outcome.kind) {
    case 'applied':
      return (
        <div className="space-y-2" data-outcome="applied">
          <h2 id={dialogTitleId} className="flex items-center gap-1.5 text-lg font-semibold">
            <Icon name="good" />
            {outcome.what}: now version {outcome.result.version}
          </h2>
          {outcome.result.changes.length > 0 ? (
            <ul className="list-disc pl-5 text-sm" aria-label="What changed">
              {outcome.result.changes.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: summary lines may repeat
                <li key={i}>{c}</li>
              ))}
            </ul>
          ) : (
            <p className="text-sm">Nothing changed.</p>
          )}
          {close}
        </div>
      );
    case 'rebased':
      return (
        <div className="space-y-2" data-outcome="rebased">
          <h2 id={dialogTitleId} className="text-lg font-semibold">
            Your edits are now on top of version {outcome.version}
          </h2>
          {outcome.conflicts.length === 0 ? (
            <p className="text-sm">None of them met a change of the other version. Review and apply when ready.</p>
          ) : (
            <>
              <p className="text-sm">These edits met a change of version {outcome.version}; check them before applying:</p>
              <ul className="divide-y divide-edge-soft rounded-md border border-edge-soft bg-raised text-sm">
                {outcome.conflicts.map((c) => (
                  <li key={c.change.path} className="px-3 py-1.5">
                    <code className="font-mono break-all">{c.change.path}</code>:{' '}
                    {c.resolution === 'kept-mine' ? 'both changed it; your value is kept' : 'it is gone in that version; your edit was dropped'}
                  </li>
                ))}
              </ul>
            </>
          )}
          {close}
        </div>
      );
    case 'import-failed':
      return (
        <div className="space-y-2" data-outcome="import-failed">
          <h2 id={dialogTitleId} className="flex items-center gap-1.5 text-lg font-semibold text-diag">
            <Icon name="fault" />
            {outcome.file} was not loaded: {outcome.problems.length} problem{outcome.problems.length > 1 ? 's' : ''}
          </h2>
          <p className="text-sm">The draft is unchanged. Fix the file and import it again.</p>
          <ul className="divide-y divide-edge-soft rounded-md border border-edge-soft bg-raised font-mono text-sm" aria-label="Problems in the file">
            {outcome.problems.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: two problems may share path and message
              <li key={i} className="px-3 py-1.5 break-all">
                {p.path || '(plant)'}: {p.message}
              </li>
            ))}
          </ul>
          {close}
        </div>
      );
    case 'refused': {
      const r = outcome.refusal;
      if (r.kind === 'conflict') {
        const t = outcome.theirs;
        return (
          <div className="space-y-2" data-outcome="conflict">
            <h2 id={dialogTitleId} className="flex items-center gap-1.5 text-lg font-semibold">
              <Icon name="stale" />
              Not applied: someone else applied version {r.current.version} meanwhile
            </h2>
            <p className="text-sm">
              Version {r.current.version} was applied by {r.current.appliedBy} ({stamp(r.current.appliedAt)})
              {r.current.comment ? `: “${r.current.comment}”` : ''}. Your draft is still here.
            </p>
            {t && (
              <>
                <p className="text-sm font-medium">
                  What changed from version {t.from.version} (your draft’s base) to version {t.to.version}:
                </p>
                <ChangeList changes={t.changes} label={`Changes from version ${t.from.version} to version ${t.to.version}`} />
              </>
            )}
            <div className="flex flex-wrap gap-2">
              <button type="button" className={primaryButton} disabled={busy} onClick={onRebase}>
                Reload on top of version {r.current.version}
              </button>
              <button type="button" className={quietButton} onClick={onDrop}>
                Drop my edits
              </button>
              {close}
            </div>
          </div>
        );
      }
      if (r.kind === 'invalid') {
        return (
          <div className="space-y-2" data-outcome="invalid">
            <h2 id={dialogTitleId} className="flex items-center gap-1.5 text-lg font-semibold text-diag">
              <Icon name="fault" />
              Not applied: {r.problems.length} problem{r.problems.length > 1 ? 's' : ''}
            </h2>
            <ProblemList problems={r.problems} onShow={onShow} titled={false} />
            {close}
          </div>
        );
      }
      return (
        <div className="space-y-2" data-outcome="error">
          <h2 id={dialogTitleId} className="flex items-center gap-1.5 text-lg font-semibold text-diag">
            <Icon name="fault" />
            Not applied{r.status ? ` (${r.status})` : ''}: {r.message}
          </h2>
          {close}
        </div>
      );
    }
  }
}

/** The draft in one line, its problems and last change (with Undo), and the way to review and apply it; always in reach at the bottom. */
export function DraftBar(props: {
  baseVersion: number;
  dirty: boolean;
  changeCount: number;
  problemCount: number;
  notice: { text: string; undo?: PlantFile } | null;
  readOnly: boolean;
  hasOutcome: boolean;
  onUndo(draft: PlantFile): void;
  onProblems(): void;
  onDiscard(): void;
  onReview(): void;
}) {
  const { baseVersion, dirty, changeCount, problemCount, notice, readOnly, hasOutcome, onUndo, onProblems, onDiscard, onReview } = props;
  return (
    <div className="sticky bottom-0 z-10 -mx-3 border-t-2 border-edge bg-canvas px-3 py-2 sm:-mx-4 sm:px-4" data-testid="draft-bar">
      <div className="flex items-center gap-2">
        <div className="mr-auto min-w-0 text-sm">
          <p aria-live="polite" data-testid="draft-status">
            {dirty ? (
              <>
                <span className="font-semibold">Draft</span> from version {baseVersion}: {changeCount} change{changeCount === 1 ? '' : 's'}
              </>
            ) : (
              <>No changes to version {baseVersion}</>
            )}
            {problemCount > 0 && (
              <button
                type="button"
                aria-haspopup="dialog"
                onClick={onProblems}
                className="ml-2 inline-flex min-h-11 items-center gap-1 font-semibold text-diag underline underline-offset-4"
              >
                <Icon name="fault" className="size-4" />
                {problemCount} problem{problemCount > 1 ? 's' : ''}
              </button>
            )}
          </p>
          {notice && (
            <p className="text-muted" aria-live="polite">
              {notice.text}
              {notice.undo && (
                <button type="button" className="ml-2 min-h-11 font-semibold text-fg underline underline-offset-4" onClick={() => onUndo(notice.undo!)}>
                  Undo
                </button>
              )}
            </p>
          )}
        </div>
        {dirty && !readOnly && (
          // Phones: in the review dialog instead (the bar must stay one row).
          <button type="button" className={`${quietButton} max-sm:hidden`} onClick={onDiscard}>
            Discard
          </button>
        )}
        {!readOnly && (
          <button type="button" className={`${primaryButton} shrink-0`} aria-haspopup="dialog" disabled={!dirty && !hasOutcome} onClick={onReview}>
            {dirty || !hasOutcome ? 'Review and apply' : 'Last result'}
          </button>
        )}
      </div>
    </div>
  );
}

/** What applying the draft would change, its problems, a comment, and Apply. */
export function ReviewPanel(props: {
  baseVersion: number;
  changes: readonly PlantChange[];
  problemCount: number;
  comment: string;
  onComment(comment: string): void;
  busy: boolean;
  dirty: boolean;
  onApply(): void;
  onProblems(): void;
  onClose(): void;
  onDiscard(): void;
}) {
  const { baseVersion, changes, problemCount, comment, onComment, busy, dirty, onApply, onProblems, onClose, onDiscard } = props;
  const commentId = useId();
  return (
    <div className="space-y-3">
      <h2 id={dialogTitleId} className="text-lg font-semibold">
        Apply the draft as a new version (after version {baseVersion})
      </h2>
      <ChangeList changes={changes} label="Changes in this draft" />
      {problemCount > 0 && (
        <p role="alert" className="flex items-start gap-1.5 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 font-semibold text-diag">
          <Icon name="fault" className="mt-0.5 size-4" />
          <span>
            Fix the {problemCount} problem{problemCount > 1 ? 's' : ''} first.{' '}
            <button type="button" className="min-h-11 underline underline-offset-4" onClick={onProblems}>
              Show them
            </button>
          </span>
        </p>
      )}
      <div>
        <label htmlFor={commentId} className="text-sm font-medium">
          Comment (optional: why, for the versions list and the audit log)
        </label>
        <input id={commentId} value={comment} maxLength={200} onChange={(e) => onComment(e.target.value)} className={`${inputClass} border-edge`} />
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="button" className={primaryButton} disabled={busy || problemCount > 0 || changes.length === 0} onClick={onApply}>
          {busy && <Icon name="busy" />}
          Apply
        </button>
        <button type="button" className={quietButton} onClick={onClose}>
          Close
        </button>
        {dirty && (
          <button type="button" className={`${quietButton} ml-auto`} onClick={onDiscard}>
            Discard the draft
          </button>
        )}
      </div>
    </div>
  );
}
