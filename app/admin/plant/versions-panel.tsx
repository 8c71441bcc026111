'use client';

import { type FormEvent, useId, useState } from 'react';
import useSWR from 'swr';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { diffPlants } from '../../../lib/plant/plant-diff.ts';
import { plantSchema } from '../../../lib/plant/schema.ts';
import { Icon } from '../../_components/glyph.tsx';
import { ChangeList } from './change-list.tsx';
import { inputClass, primaryButton, quietButton, secondaryButton } from './fields.tsx';
import { type Applied, type Refusal, refusalOf, rollBack, stamp, type VersionInfo, type VersionWithPlant, versionsUrl } from './plant-api.ts';

/** A stored plant with its defaults applied (when it validates), so a diff shows meaning, not spelling. */
export function normalized(plant: unknown): unknown {
  const r = plantSchema.safeParse(plant);
  return r.success ? r.data : plant;
}

const immutable = { revalidateOnFocus: false, revalidateIfStale: false, revalidateOnReconnect: false };

/** The changes from version `from` to version `to`, fetched from the versions API. */
export function VersionDiff({ from, to }: { from: number; to: number }) {
  const a = useSWR<VersionWithPlant>(`${versionsUrl}/${from}`, apiFetch, immutable);
  const b = useSWR<VersionWithPlant>(`${versionsUrl}/${to}`, apiFetch, immutable);
  const error = a.error ?? b.error;
  if (error) return <p role="alert">Could not load the versions: {(error as Error).message}</p>;
  if (!a.data || !b.data)
    return (
      <p className="text-muted">
        Loading versions {from} and {to}…
      </p>
    );
  const changes = diffPlants(normalized(a.data.plant), normalized(b.data.plant));
  return (
    <div className="mt-2">
      <p className="mb-1 text-sm font-medium">
        From version {from} to version {to}: {changes.length} change{changes.length === 1 ? '' : 's'}
      </p>
      <ChangeList changes={changes} label={`Changes from version ${from} to version ${to}`} />
    </div>
  );
}

/**
 * Every applied version (newest first): who applied it, when and why; its changes; a
 * comparison of any two; "Roll back to this version" (a new version, after a confirmation
 * naming it).
 */
export function VersionsPanel(props: {
  current: VersionInfo;
  readOnly: boolean;
  dirty: boolean;
  onApplied(result: Applied, what: string): void;
  onRefused(r: Refusal): void;
}) {
  const { current, readOnly, dirty, onApplied, onRefused } = props;
  const { data, error } = useSWR<{ versions: VersionInfo[] }>(versionsUrl, apiFetch);
  const [shown, setShown] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<VersionInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const [compare, setCompare] = useState<{ from: number; to: number } | null>(null);
  const ids = { from: useId(), to: useId(), heading: useId() };
  const versions = data?.versions ?? [];

  async function doRollBack(v: VersionInfo) {
    setBusy(true);
    try {
      const applied = await rollBack(v.version, current.version);
      setConfirm(null);
      onApplied(applied, `Rolled back to version ${v.version}`);
    } catch (e) {
      setConfirm(null);
      onRefused(refusalOf(e));
    } finally {
      setBusy(false);
    }
  }

  function submitCompare(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setCompare({ from: Number(f.get('from')), to: Number(f.get('to')) });
  }

  if (error) return <p role="alert">Could not load the versions: {(error as Error).message}</p>;
  if (!data) return <p className="text-muted">Loading versions…</p>;
  return (
    <section aria-labelledby={ids.heading} className="space-y-4">
      <h2 id={ids.heading} className="text-xl font-semibold">
        Versions <span className="font-normal text-muted">({versions.length})</span>
      </h2>
      {versions.length > 1 && (
        <form
          onSubmit={submitCompare}
          aria-label="Compare two versions"
          className="flex flex-wrap items-end gap-2 rounded-lg border border-edge bg-surface p-3"
        >
          <VersionSelect id={ids.from} name="from" label="From version" versions={versions} initial={versions[1]?.version} />
          <VersionSelect id={ids.to} name="to" label="To version" versions={versions} initial={versions[0]?.version} />
          <button type="submit" className={secondaryButton}>
            Compare
          </button>
          {compare && (
            <div className="w-full">
              <VersionDiff from={compare.from} to={compare.to} />
            </div>
          )}
        </form>
      )}
      <ol className="space-y-2" aria-label="Plant versions">
        {versions.map((v, i) => {
          const previous = versions[i + 1];
          const isCurrent = v.version === current.version;
          return (
            <li key={v.version} className="rounded-lg border border-edge bg-surface p-3" data-version={v.version}>
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div>
                  <p className="font-semibold">
                    Version {v.version}
                    {isCurrent && <span className="ml-2 rounded border border-edge-soft px-1.5 text-sm font-semibold">current</span>}
                  </p>
                  <p className="text-sm text-muted">
                    Applied by {v.appliedBy} · {stamp(v.appliedAt)}
                  </p>
                  {v.comment && <p className="mt-1 text-sm break-words">“{v.comment}”</p>}
                </div>
                <div className="flex flex-wrap gap-2">
                  {previous && (
                    <button
                      type="button"
                      className={quietButton}
                      aria-expanded={shown === v.version}
                      onClick={() => setShown(shown === v.version ? null : v.version)}
                    >
                      Changes<span className="sr-only"> in version {v.version}</span>
                    </button>
                  )}
                  {!readOnly && !isCurrent && (
                    <button type="button" className={secondaryButton} onClick={() => setConfirm(v)} aria-expanded={confirm?.version === v.version}>
                      Roll back to this version<span className="sr-only"> ({v.version})</span>
                    </button>
                  )}
                </div>
              </div>
              {shown === v.version && previous && <VersionDiff from={previous.version} to={v.version} />}
              {confirm?.version === v.version && (
                <div role="alertdialog" aria-labelledby={`rb-${v.version}`} className="mt-3 rounded-md border-2 border-edge bg-raised p-3">
                  <p id={`rb-${v.version}`} className="font-semibold">
                    Roll back to version {v.version} (applied by {v.appliedBy}, {stamp(v.appliedAt)})?
                  </p>
                  <p className="mt-1 text-sm">
                    It is applied live as a new version after version {current.version}; connections whose settings change reconnect.
                    {dirty && ' Your unapplied draft is replaced by it.'}
                  </p>
                  <VersionDiff from={current.version} to={v.version} />
                  <div className="mt-2 flex flex-wrap gap-2">
                    <button type="button" className={primaryButton} disabled={busy} onClick={() => void doRollBack(v)}>
                      {busy && <Icon name="busy" />}
                      Roll back to version {v.version}
                    </button>
                    <button type="button" className={quietButton} onClick={() => setConfirm(null)}>
                      Cancel
                    </button>
                  </div>
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function VersionSelect(props: { id: string; name: string; label: string; versions: readonly { version: number }[]; initial: number | undefined }) {
  return (
    <div>
      <label htmlFor={props.id} className="text-sm font-medium">
        {props.label}
      </label>
      <select id={props.id} name={props.name} defaultValue={props.initial} className={`${inputClass} border-edge`}>
        {props.versions.map((v) => (
          <option key={v.version} value={v.version}>
            {v.version}
          </option>
        ))}
      </select>
    </div>
  );
}
