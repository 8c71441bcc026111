'use client';

import { useId, useState, type ReactNode } from 'react';
import useSWR from 'swr';
import { alarmPriorities, type AlarmKpis } from '../../../lib/alarms/alarm-types.ts';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { formatDuration } from '../../../lib/client/format.ts';
import { DateSpan, DateTime } from '../../_components/date-time.tsx';
import { PriorityBadge, priorityStyle } from '../alarm-badges.tsx';

const periods = {
  '1h': { label: 'Last hour', ms: 3600_000 },
  '8h': { label: 'Last 8 hours (a shift)', ms: 8 * 3600_000 },
  '24h': { label: 'Last 24 hours', ms: 24 * 3600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
} as const;
type Period = keyof typeof periods;

/** ISA-18.2 guidance for the mix of annunciated priorities (highest → lowest). */
const mixTarget: Record<string, string> = { critical: '~5 %', high: '~15 %', medium: '~80 % with low', low: '' };

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** The alarm KPIs of a chosen period, refreshed every minute. */
export function KpiView() {
  const [period, setPeriod] = useState<Period>('24h');
  const selectId = useId();
  const { data, error } = useSWR<{ kpis: AlarmKpis }>(
    ['alarm-kpi', period],
    () => {
      // Whole 10-minute periods on the clock, the current one last: the same periods (and
      // the same peak) on every reload within it.
      const to = Math.ceil(Date.now() / 600_000) * 600_000;
      const from = to - periods[period].ms;
      return apiFetch(`/api/alarms/kpi?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
    },
    { refreshInterval: 60_000, keepPreviousData: true },
  );
  const k = data?.kpis;
  return (
    <>
      <div className="mb-4">
        <label htmlFor={selectId} className="text-sm font-medium">
          Period
        </label>
        <select
          id={selectId}
          value={period}
          onChange={(e) => setPeriod(e.target.value as Period)}
          className="mt-1 block min-h-11 rounded-md border border-edge bg-raised px-2 text-base"
        >
          {Object.entries(periods).map(([key, p]) => (
            <option key={key} value={key}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      {error ? (
        <p role="alert" className="rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-sm text-diag">
          Could not load the KPIs: {(error as Error).message}
        </p>
      ) : !k ? (
        <p className="text-muted">Loading…</p>
      ) : (
        <Report k={k} />
      )}
    </>
  );
}

function Verdict({ ok, children }: { ok: boolean; children: ReactNode }) {
  return (
    <p className={`mt-1 inline-flex items-start gap-1 text-sm ${ok ? 'text-muted' : 'font-semibold'}`} data-verdict={ok ? 'ok' : 'attention'}>
      <svg viewBox="0 0 16 16" className="mt-0.5 size-4 shrink-0" aria-hidden="true" focusable="false">
        {ok ? (
          <path d="m3 8.5 3.2 3.2L13 4.8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
        ) : (
          <>
            <path d="M8 1.5 15 14H1Z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
            <path d="M8 6v3.5" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
            <circle cx="8" cy="11.8" r="1" fill="currentColor" />
          </>
        )}
      </svg>
      {/* One flex item: text with dates inside flows as one sentence. */}
      <span>{children}</span>
    </p>
  );
}

function Tile({ label, value, children, testId }: { label: string; value: ReactNode; children?: ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-edge bg-surface p-3" data-kpi={testId}>
      <dt className="text-sm text-muted">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums">{value}</dd>
      {children && <dd>{children}</dd>}
    </div>
  );
}

function Report({ k }: { k: AlarmKpis }) {
  const avg = k.per10Min.average;
  const total = k.annunciated;
  return (
    <>
      <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Tile label="Alarms annunciated" value={fmt(total, 0)} testId="annunciated">
          <p className="mt-1 text-sm text-muted">{fmt(k.suppressed, 0)} more while shelved or out of service</p>
        </Tile>
        <Tile label="Average per 10 minutes" value={fmt(avg, 2)} testId="average">
          <Verdict ok={avg <= 1}>{avg <= 1 ? 'Very likely acceptable (≤ 1)' : avg <= 2 ? 'Manageable (≤ 2)' : 'Likely over-demanding (> 2)'}</Verdict>
        </Tile>
        <Tile label="Peak in 10 minutes" value={fmt(k.per10Min.peak, 0)} testId="peak">
          <Verdict ok={k.per10Min.peak <= 10}>
            {k.per10Min.peakAt !== null ? (
              <>
                in <DateSpan from={k.per10Min.peakAt} to={k.per10Min.peakAt + 10 * 60_000} />, target ≤ 10
              </>
            ) : (
              'target ≤ 10'
            )}
          </Verdict>
        </Tile>
        <Tile label="Time in flood" value={`${fmt(k.floodPercent, 2)} %`} testId="flood">
          <Verdict ok={k.floodPercent < 1}>more than 10 alarms in 10 min; target &lt; 1 %</Verdict>
        </Tile>
      </dl>

      <RateChart k={k} />

      <Section title={`Flood periods (${k.floods.length})`} empty="No flood in this period.">
        {k.floods.map((f) => (
          <li key={f.start} className="py-1.5">
            <DateSpan from={f.start} to={f.end} />: <strong>{f.count}</strong> alarms
          </li>
        ))}
      </Section>

      <Section title={`Chattering alarms (${k.chattering.length})`} note="3 or more activations within one minute; target: none." empty="No chattering alarm.">
        {k.chattering.map((c) => (
          <li key={c.alarm} className="py-1.5" data-chattering={c.alarm}>
            <span className="font-semibold">{c.message}</span> <span className="break-all text-muted">({c.alarm})</span>: up to{' '}
            <strong>{c.maxPerMinute}</strong> per minute, {c.activations} activations
          </li>
        ))}
      </Section>

      <Section title={`Standing alarms now (${k.standing.length})`} note="Active for more than 24 hours." empty="No standing alarm.">
        {k.standing.map((s) => (
          <li key={s.alarm} className="flex flex-wrap items-center gap-2 py-1.5">
            <PriorityBadge priority={s.priority} />
            <span className="font-semibold">{s.message}</span>
            <span className="break-all text-muted">({s.alarm})</span>
            <span>active for {formatDuration(s.durationMs)}</span>
          </li>
        ))}
      </Section>

      <Section
        title="Most frequent alarms"
        note="The few alarms behind most of the load are the first to fix (EEMUA “bad actors”)."
        empty="No alarm in this period."
      >
        {k.top.map((t) => (
          <li key={t.alarm} className="py-1.5" data-top={t.alarm}>
            <strong className="tabular-nums">{t.count}</strong> × <span className="font-semibold">{t.message}</span>{' '}
            <span className="break-all text-muted">({t.alarm})</span> — {fmt(t.share * 100, 0)} %
          </li>
        ))}
      </Section>

      <section className="mt-6" aria-labelledby="mix-heading">
        <h2 id="mix-heading" className="text-lg font-semibold">
          Priority mix
        </h2>
        <table className="mt-2 w-full max-w-lg border-collapse text-left text-sm">
          <thead>
            <tr className="border-b border-edge text-muted">
              <th scope="col" className="py-1 font-medium">
                Priority
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                Alarms
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                Share
              </th>
              <th scope="col" className="py-1 pl-3 font-medium">
                ISA-18.2 guide
              </th>
            </tr>
          </thead>
          <tbody>
            {alarmPriorities.map((p) => (
              <tr key={p} className="border-b border-edge-soft">
                <th scope="row" className="py-1.5 font-normal">
                  <PriorityBadge priority={p} />
                </th>
                <td className="py-1.5 text-right tabular-nums">{k.byPriority[p]}</td>
                <td className="py-1.5 text-right tabular-nums">{total ? `${fmt((k.byPriority[p] / total) * 100, 0)} %` : '—'}</td>
                <td className="py-1.5 pl-3 text-muted">{mixTarget[p]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function Section({ title, note, empty, children }: { title: string; note?: string; empty: string; children: ReactNode[] }) {
  const id = useId();
  return (
    <section className="mt-6" aria-labelledby={id}>
      <h2 id={id} className="text-lg font-semibold">
        {title}
      </h2>
      {note && <p className="text-sm text-muted">{note}</p>}
      {children.length === 0 ? <p className="mt-1 text-muted">{empty}</p> : <ul className="mt-1 divide-y divide-edge-soft">{children}</ul>}
    </section>
  );
}

/** Alarms per 10-minute period as bars, with the flood threshold (10) as a dashed line. */
function RateChart({ k }: { k: AlarmKpis }) {
  const n = k.buckets.length;
  const top = Math.max(12, k.per10Min.peak);
  const w = 1000;
  const h = 160;
  const barW = w / n;
  const y = (v: number) => h - (v / top) * h;
  const label = `Alarms per 10 minutes over the period: ${n} periods, peak ${k.per10Min.peak}, average ${fmt(k.per10Min.average, 2)}; dashed line at 10 (flood threshold).`;
  return (
    <figure className="mt-6">
      <figcaption className="text-lg font-semibold">Alarms per 10 minutes</figcaption>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        className="mt-2 h-40 w-full rounded border border-edge-soft bg-surface"
        role="img"
        aria-label={label}
      >
        {k.buckets.map((b, i) =>
          b.count > 0 ? (
            <rect
              key={b.start}
              x={i * barW}
              y={y(b.count)}
              width={Math.max(barW * 0.85, 0.6)}
              height={h - y(b.count)}
              fill={b.count > 10 ? priorityStyle.critical.bg : 'var(--lw-trend)'}
            />
          ) : null,
        )}
        <line x1="0" x2={w} y1={y(10)} y2={y(10)} stroke="currentColor" strokeDasharray="8 6" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
      </svg>
      <p className="mt-1 flex justify-between text-xs text-muted">
        <DateTime ts={k.from} />
        <span>dashed: 10 per 10 min (flood)</span>
        <DateTime ts={k.to} />
      </p>
    </figure>
  );
}
