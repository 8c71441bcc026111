'use client';

import { formatValue } from '../../../lib/client/format.ts';
import { qualityReasonText } from '../../../lib/client/quality-words.ts';
import { Icon } from '../../_components/glyph.tsx';
import { quietButton } from './fields.tsx';
import type { TestRead, TestReadTag } from './plant-api.ts';

/** Raw registers as decimal words (hex in the title); bits as 0/1. */
function rawText(t: TestReadTag): string {
  if (t.raw === null) return '—';
  return t.raw.join(' ');
}

function QualityCell({ tag }: { tag: TestReadTag }) {
  if (tag.quality === 'good') {
    return (
      <span className="inline-flex items-center gap-1">
        <Icon name="good" />
        Good
      </span>
    );
  }
  return (
    <span className="inline-flex items-start gap-1 rounded border-2 border-diag bg-diag-bg px-1.5 font-semibold text-diag">
      <Icon name="fault" className="mt-0.5 size-4" />
      <span title={tag.reason ?? undefined}>Bad{tag.reason ? `: ${qualityReasonText(tag.reason)}` : ''}</span>
    </span>
  );
}

/** What "Read now" read: per tag the raw registers, the decoded value and its quality; or the error. */
export function ReadNowResult(props: { result: TestRead; shownAs: ReadonlyMap<string, { decimals: number; unit: string }>; onHide(): void }) {
  const { result, shownAs, onHide } = props;
  return (
    <section aria-label={`Read now: ${result.connection}`} className="mt-3 rounded-md border border-edge-soft bg-raised p-3" data-testid="read-now">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted">Read once in {Math.round(result.durationMs)} ms with the settings below; nothing was saved.</p>
        <button type="button" className={quietButton} onClick={onHide}>
          Hide<span className="sr-only"> the values read</span>
        </button>
      </div>
      {result.error && (
        <p role="alert" className="mt-2 flex items-start gap-1.5 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 font-semibold text-diag">
          <Icon name="fault" className="mt-0.5 size-4" />
          <span>Read failed: {result.error}</span>
        </p>
      )}
      {result.tags.length > 0 && (
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-muted">
              <tr className="border-b border-edge">
                <th scope="col" className="py-1.5 pr-2 font-medium">
                  Tag
                </th>
                <th scope="col" className="hidden py-1.5 pr-2 font-medium sm:table-cell">
                  Address
                </th>
                <th scope="col" className="hidden py-1.5 pr-2 font-medium sm:table-cell">
                  Raw
                </th>
                <th scope="col" className="py-1.5 pr-2 text-right font-medium">
                  Value
                </th>
                <th scope="col" className="py-1.5 font-medium">
                  Quality
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-edge-soft">
              {result.tags.map((t) => (
                <tr key={t.name} data-read-tag={t.name} data-quality={t.quality}>
                  <th scope="row" className="py-1.5 pr-2 align-top font-medium break-all">
                    {t.name}
                    {/* Phones: address and raw words under the name (their columns are hidden). */}
                    <span className="block font-normal text-muted sm:hidden">
                      {t.area} {t.address} {t.type}
                    </span>
                    <span className="block font-mono font-normal sm:hidden">raw {rawText(t)}</span>
                  </th>
                  <td className="hidden py-1.5 pr-2 align-top whitespace-nowrap sm:table-cell">
                    {t.area} {t.address} <span className="text-muted">{t.type}</span>
                  </td>
                  <td
                    className="hidden py-1.5 pr-2 align-top font-mono sm:table-cell"
                    title={t.raw?.map((w) => `0x${w.toString(16).padStart(4, '0')}`).join(' ')}
                  >
                    {rawText(t)}
                  </td>
                  <td className="py-1.5 pr-2 text-right align-top font-semibold whitespace-nowrap tabular-nums" data-value>
                    {t.value === null ? '—' : formatValue(t.value, shownAs.get(t.name)?.decimals ?? 1, t.type)}
                    {t.value !== null && shownAs.get(t.name)?.unit ? <span className="ml-1 font-normal text-muted">{shownAs.get(t.name)!.unit}</span> : null}
                  </td>
                  <td className="py-1.5 align-top">
                    <QualityCell tag={t} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
