'use client';

import { type ReactNode, useEffect, useId, useRef } from 'react';

/** What to confirm: the question, what it will do, and the words of the risky button. */
export interface Confirmation {
  title: string;
  /** The consequence, in plain words: what stops, who is affected. */
  body: ReactNode;
  /** The risky action's button, e.g. `Stop the PLC`. */
  confirm: string;
  /** The safe button; default `Cancel`. */
  cancel?: string;
}

const button = 'inline-flex min-h-11 items-center justify-center rounded-md px-4 font-semibold';

/**
 * A confirmation naming the consequence before a risky one-tap action (as the write dialog,
 * app/lines/[id]/write-dialog.tsx: a native modal `<dialog>`, so the page behind is inert,
 * Tab stays inside and Escape cancels). Focus starts on the safe button: a hurried Enter
 * does nothing harmful. `onDone(true)` when confirmed, `onDone(false)` otherwise.
 */
export function ConfirmDialog({ ask, onDone }: { ask: Confirmation; onDone(confirmed: boolean): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const confirmed = useRef(false);
  const ids = { title: useId(), body: useId() };

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={ids.title}
      aria-describedby={ids.body}
      data-confirm-dialog
      onClose={() => onDone(confirmed.current)}
      className="mx-auto my-auto w-[calc(100%-1rem)] max-w-md rounded-lg border-2 border-edge bg-surface p-4 text-fg backdrop:bg-black/50"
    >
      <h2 id={ids.title} className="text-lg leading-snug font-semibold break-words">
        {ask.title}
      </h2>
      <div id={ids.body} className="mt-2 space-y-2 break-words">
        {ask.body}
      </div>
      <div className="mt-4 flex flex-wrap justify-end gap-2">
        {/* biome-ignore lint/a11y/noAutofocus: the safe answer takes the focus; a stray Enter must not do the risky thing */}
        <button type="button" autoFocus className={`${button} border-2 border-edge bg-raised text-fg`} onClick={() => ref.current?.close()}>
          {ask.cancel ?? 'Cancel'}
        </button>
        <button
          type="button"
          className={`${button} bg-action text-action-fg`}
          onClick={() => {
            confirmed.current = true;
            ref.current?.close();
          }}
        >
          {ask.confirm}
        </button>
      </div>
    </dialog>
  );
}
