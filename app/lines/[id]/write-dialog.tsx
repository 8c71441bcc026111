'use client';

import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiRequestError, apiFetch } from '../../../lib/client/api-fetch.ts';
import { useSample } from '../../../lib/client/live-store.ts';
import {
  commandAction,
  confirmQuestion,
  limitsText,
  parseEntry,
  resultText,
  type Writable,
  type WriteAnswer,
  valueProblem,
  valueText,
  writeKind,
} from '../../../lib/client/tag-write.ts';
import type { TagView } from '../../../lib/plant/describe.ts';
import type { Sample } from '../../../lib/types.ts';
import { Age } from '../../_components/age.tsx';
import { Icon, type IconName } from '../../_components/glyph.tsx';
import { QualityBadge } from '../../_components/status-badge.tsx';
import { TagValue } from '../../_components/tag-value.tsx';

const button = 'inline-flex min-h-11 items-center justify-center gap-2 rounded-md px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60';
const primary = `${button} bg-action text-action-fg`;
const secondary = `${button} border-2 border-edge bg-raised text-fg`;
const field = 'mt-1 min-h-11 w-full rounded-md border border-edge bg-raised px-2 text-base tabular-nums aria-invalid:border-2 aria-invalid:border-diag';
const diagBox = 'flex items-start gap-2 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-diag';

/** A write the user asked for: the tag and, for a latched command, the value its button offered. */
export interface WriteTarget {
  tag: TagView & { writable: Writable };
  value?: 0 | 1;
}

/**
 * The affordance of a writable tag, next to its value: `Set…` with a pencil for a setpoint;
 * the action it will do for a command (`Reset fault`, `Stop line` / `Start line` from the
 * current value). Grey like every normal control: the glyph and the word make it, not colour.
 */
export function WriteButton({ tag, sample, onOpen }: { tag: TagView & { writable: Writable }; sample: Sample | undefined; onOpen(target: WriteTarget): void }) {
  const kind = writeKind(tag, tag.writable);
  const current = sample?.value;
  let text = 'Set…';
  let icon: IconName = 'pencil';
  let value: 0 | 1 | undefined;
  if (kind === 'momentary') {
    text = commandAction(tag, kind, 1);
    icon = 'pulse';
  } else if (kind === 'latched' && current !== null && current !== undefined) {
    value = current ? 0 : 1;
    text = commandAction(tag, kind, value);
    icon = value ? 'play' : 'stopped';
  }
  return (
    <button
      type="button"
      aria-haspopup="dialog"
      data-write={tag.id}
      onClick={() => onOpen({ tag, value })}
      className="inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-md border-2 border-edge bg-raised px-2.5 text-left text-sm leading-tight font-semibold text-fg hover:bg-surface"
    >
      <Icon name={icon} />
      <span>
        {text}
        <span className="sr-only"> {tag.label}</span>
      </span>
    </button>
  );
}

type Step =
  | { kind: 'edit' }
  | { kind: 'confirm'; value: number }
  | { kind: 'sending'; value: number }
  | { kind: 'done'; value: number; answer: WriteAnswer }
  | { kind: 'refused'; value: number; message: string; field?: string }
  | { kind: 'no-answer'; value: number; message: string };

/**
 * The write dialog (a native modal `<dialog>`: the page behind is inert, Tab stays inside,
 * Escape closes): the tag, its live value, quality and age, its limits; the new value (a
 * decimal keypad on phones; a choice of two for a latched command), checked as the server
 * checks it; where the tag asks for it, a second step that repeats old → new; then Sending…,
 * the read-back outcome or the refusal, kept on screen until the user closes the dialog.
 */
export function WriteDialog({ target, onClose }: { target: WriteTarget; onClose(): void }) {
  const { tag } = target;
  const w = tag.writable;
  const kind = writeKind(tag, w);
  const sample = useSample(tag.id) ?? tag.current ?? undefined;
  const ref = useRef<HTMLDialogElement>(null);
  const ids = { title: useId(), entry: useId(), hint: useId(), problem: useId() };
  const initialEntry = kind === 'setpoint' && sample?.value !== null && sample?.value !== undefined ? String(sample.value) : '';
  const [entry, setEntry] = useState(initialEntry);
  const [choice, setChoice] = useState<0 | 1 | undefined>(
    target.value ?? (sample?.value === null || sample?.value === undefined ? undefined : sample.value ? 0 : 1),
  );
  const [problem, setProblem] = useState<string | null>(null);
  // A momentary command has nothing to choose: it opens on its confirmation (or its Send).
  const [step, setStep] = useState<Step>(kind === 'momentary' ? { kind: 'confirm', value: 1 } : { kind: 'edit' });
  const sending = step.kind === 'sending';

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const close = () => ref.current?.close();

  async function send(value: number) {
    setStep({ kind: 'sending', value });
    try {
      const body = { value: kind === 'setpoint' ? value : value === 1, ...(w.confirm && { confirm: true }) };
      const answer = await apiFetch<WriteAnswer>(`/api/tags/${encodeURIComponent(tag.id)}/write`, { method: 'POST', body: JSON.stringify(body) });
      setStep({ kind: 'done', value, answer });
    } catch (error) {
      if (error instanceof ApiRequestError) setStep({ kind: 'refused', value, message: error.message, field: error.field });
      // No answer: the request may or may not have reached the PLC.
      else setStep({ kind: 'no-answer', value, message: (error as Error).message });
    }
  }

  /** Past the value step: refused here (nothing sent) when the server would refuse it. */
  function next(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    let value: number | null;
    if (kind === 'setpoint') {
      value = parseEntry(entry);
      const why = valueProblem(value, w, tag.unit);
      setProblem(why);
      if (why !== null || value === null) return;
    } else {
      if (choice === undefined) return setProblem('Choose what to send.');
      value = choice;
    }
    setProblem(null);
    if (w.confirm) setStep({ kind: 'confirm', value });
    else void send(value);
  }

  const title = kind === 'setpoint' ? `Set ${tag.label}` : kind === 'momentary' ? `${commandAction(tag, kind, 1)}: ${tag.label}` : tag.label;
  const limits = kind === 'setpoint' ? limitsText(w, tag.unit) : null;

  return (
    <dialog
      ref={ref}
      aria-labelledby={ids.title}
      data-write-dialog={tag.id}
      data-step={step.kind}
      onClose={onClose}
      // Waiting for the PLC: the answer must be seen, so Escape does not close it then.
      onCancel={(e) => sending && e.preventDefault()}
      // Phones: near the top, so the on-screen keyboard does not cover the field.
      className="mx-auto mt-2 mb-auto max-h-[92dvh] w-[calc(100%-1rem)] max-w-md overflow-y-auto rounded-lg border-2 border-edge bg-surface p-4 text-fg backdrop:bg-black/50 sm:my-auto"
    >
      <h2 id={ids.title} className="pr-2 text-lg leading-snug font-semibold break-words">
        {title}
      </h2>
      <p className="text-sm break-all text-muted">{tag.id}</p>

      <dl className="mt-3 grid grid-cols-[auto_1fr] items-baseline gap-x-3 gap-y-1.5 rounded-md border border-edge-soft bg-raised px-3 py-2">
        <dt className="text-sm text-muted">Current</dt>
        <dd className="min-w-0">
          <span className="flex flex-wrap items-center gap-x-3 gap-y-0.5" data-current>
            <TagValue sample={sample} decimals={tag.decimals} unit={tag.unit} type={tag.type} />
            <QualityBadge sample={sample} />
            <Age ts={sample?.ts} className="text-sm text-muted" />
          </span>
        </dd>
        {limits && (
          <>
            <dt className="text-sm text-muted">Limits</dt>
            <dd id={ids.hint} className="tabular-nums" data-limits>
              {limits}
            </dd>
          </>
        )}
        {kind === 'momentary' && (
          <>
            <dt className="text-sm text-muted">Sends</dt>
            <dd>On for {w.pulseMs} ms, then Off</dd>
          </>
        )}
      </dl>

      {sample && sample.quality !== 'good' && (step.kind === 'edit' || step.kind === 'confirm') && (
        <p className={`mt-3 text-sm ${diagBox}`}>
          <Icon name={sample.quality === 'stale' ? 'stale' : 'fault'} className="mt-0.5 size-4" />
          <span>The value is {sample.quality}: the server refuses writes until it reads the tag again.</span>
        </p>
      )}

      {step.kind === 'edit' && (
        <form onSubmit={next} noValidate className="mt-4">
          {kind === 'setpoint' ? (
            <>
              <label htmlFor={ids.entry} className="font-medium">
                New value{tag.unit ? ` (${tag.unit})` : ''}
              </label>
              <input
                id={ids.entry}
                value={entry}
                onChange={(e) => setEntry(e.target.value)}
                inputMode="decimal"
                autoComplete="off"
                enterKeyHint="next"
                spellCheck={false}
                autoFocus
                aria-invalid={problem !== null}
                aria-describedby={`${limits ? ids.hint : ''} ${problem ? ids.problem : ''}`.trim() || undefined}
                className={`${field} text-lg`}
              />
            </>
          ) : (
            <fieldset>
              <legend className="font-medium">Send</legend>
              <div className="mt-1 grid gap-2">
                {([1, 0] as const).map((v) => (
                  <label
                    key={v}
                    className="flex min-h-11 cursor-pointer items-center gap-3 rounded-md border-2 border-edge-soft bg-raised px-3 has-checked:border-fg"
                  >
                    <input
                      type="radio"
                      name="command"
                      checked={choice === v}
                      onChange={() => setChoice(v)}
                      className="size-5 accent-current"
                      autoFocus={choice === v}
                    />
                    <Icon name={v ? 'play' : 'stopped'} />
                    <span className="font-semibold">{commandAction(tag, 'latched', v)}</span>
                    <span className="text-sm text-muted">(writes {v ? 'On' : 'Off'})</span>
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          {problem && (
            <p id={ids.problem} role="alert" className={`mt-2 ${diagBox}`} data-problem>
              <Icon name="fault" className="mt-1 size-4" />
              <span>
                <strong>Not sent.</strong> {problem}
              </span>
            </p>
          )}
          <div className="mt-4 flex flex-wrap justify-end gap-2">
            <button type="button" className={secondary} onClick={close}>
              Cancel
            </button>
            <button type="submit" className={primary}>
              {w.confirm ? 'Next' : 'Send'}
            </button>
          </div>
        </form>
      )}

      {step.kind === 'confirm' && (
        <div className="mt-4">
          <p className="text-lg leading-snug font-semibold" data-question>
            {confirmQuestion(tag, w, sample?.value, step.value)}
          </p>
          {kind !== 'momentary' && (
            <p className="mt-2 flex flex-wrap items-baseline gap-x-3 text-xl tabular-nums" aria-hidden="true">
              <span className="text-muted">{valueText(sample?.value, tag)}</span>
              <span>→</span>
              <span className="font-semibold">{valueText(step.value, tag)}</span>
            </p>
          )}
          <div className="mt-4 flex flex-wrap justify-end gap-2">
            <button
              type="button"
              className={secondary}
              // A momentary command has no value step to go back to.
              onClick={() => (kind === 'momentary' ? close() : setStep({ kind: 'edit' }))}
              // biome-ignore lint/a11y/noAutofocus: the safe answer takes the focus; a stray Enter must not write to a PLC
              autoFocus
            >
              {kind === 'momentary' ? 'Cancel' : 'Back'}
            </button>
            <button type="button" className={primary} onClick={() => void send(step.value)}>
              {kind === 'setpoint' ? 'Confirm' : `Confirm: ${commandAction(tag, kind, step.value ? 1 : 0)}`}
            </button>
          </div>
        </div>
      )}

      {(step.kind === 'sending' || step.kind === 'done') && <Outcome step={step} tag={tag} showRequested={kind !== 'momentary'} onClose={close} />}

      {(step.kind === 'refused' || step.kind === 'no-answer') && (
        <div className="mt-4">
          <p role="alert" className={diagBox} data-outcome={step.kind}>
            <Icon name="fault" className="mt-1 size-4" />
            <span className="min-w-0 break-words">
              {step.kind === 'refused' ? (
                <>
                  <strong>Refused:</strong> {step.message}
                </>
              ) : (
                <>
                  <strong>No answer from the server</strong> ({step.message}): the write may or may not have reached the PLC. Check the value before trying
                  again.
                </>
              )}
            </span>
          </p>
          <div className="mt-4 flex flex-wrap justify-end gap-2">
            <button type="button" className={secondary} onClick={() => setStep(kind === 'momentary' ? { kind: 'confirm', value: 1 } : { kind: 'edit' })}>
              Back
            </button>
            {/* biome-ignore lint/a11y/noAutofocus: the write ended; closing is what comes next */}
            <button type="button" className={primary} onClick={close} autoFocus>
              Close
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}

/** Sending…, then the read-back's outcome: one live region, so a screen reader hears both. */
function Outcome(props: { step: Extract<Step, { kind: 'sending' | 'done' }>; tag: TagView; showRequested: boolean; onClose(): void }) {
  const { step, tag, showRequested, onClose } = props;
  const answer = step.kind === 'done' ? step.answer : null;
  const confirmed = answer?.outcome === 'confirmed';
  return (
    <div className="mt-4">
      {showRequested && (
        <p className="mb-2 text-sm text-muted">
          Requested: <span className="font-semibold text-fg tabular-nums">{valueText(step.value, tag)}</span>
        </p>
      )}
      <p
        role="status"
        data-outcome={answer ? answer.outcome : 'sending'}
        className={`flex items-start gap-2 rounded-md px-3 py-2 font-semibold ${answer && !confirmed ? 'border-2 border-diag bg-diag-bg text-diag' : 'border border-edge-soft bg-raised'}`}
      >
        <Icon name={!answer ? 'busy' : confirmed ? 'good' : 'fault'} className={`mt-1 size-4 ${answer ? '' : 'motion-safe:animate-spin'}`} />
        <span className="min-w-0 break-words">{answer ? resultText(answer, tag) : 'Sending… waiting for the PLC to read it back'}</span>
      </p>
      <div className="mt-4 flex justify-end">
        {/* biome-ignore lint/a11y/noAutofocus: the write ended; closing is what comes next */}
        <button key={step.kind} type="button" className={primary} onClick={onClose} disabled={!answer} autoFocus={answer !== null}>
          Close
        </button>
      </div>
    </div>
  );
}
