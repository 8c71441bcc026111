import type { LineState, ProcessStatus, Sample } from '../../lib/types.ts';
import { qualityReasonText } from '../../lib/client/quality-words.ts';
import { Icon, type IconName } from './glyph.tsx';

/**
 * State words with an icon. Normal states are plain grey text; only abnormal ones (lost
 * communication, bad quality, crashed) take the diagnostic colour and a tinted box.
 */

const pill = 'inline-flex min-h-7 items-center gap-1.5 rounded px-2 text-sm font-semibold whitespace-nowrap';
const calm = `${pill} border border-edge-soft text-fg`;
const diag = `${pill} border-2 border-diag bg-diag-bg text-diag`;

const lineStates: Record<LineState, { icon: IconName; label: string; abnormal: boolean }> = {
  running: { icon: 'running', label: 'Running', abnormal: false },
  stopped: { icon: 'stopped', label: 'Stopped', abnormal: false },
  'comm-lost': { icon: 'fault', label: 'Comm lost', abnormal: true },
  unknown: { icon: 'unknown', label: 'Unknown', abnormal: false },
};

export function LineStateBadge({ state }: { state: LineState }) {
  const s = lineStates[state];
  return (
    <span className={s.abnormal ? diag : calm} data-state={state}>
      <Icon name={s.icon} />
      {s.label}
    </span>
  );
}

const processStates: Record<ProcessStatus, { icon: IconName; label: string; abnormal: boolean }> = {
  starting: { icon: 'busy', label: 'Starting', abnormal: false },
  running: { icon: 'running', label: 'Running', abnormal: false },
  stopping: { icon: 'busy', label: 'Stopping', abnormal: false },
  stopped: { icon: 'stopped', label: 'Stopped', abnormal: false },
  crashed: { icon: 'fault', label: 'Crashed', abnormal: true },
};

export function ProcessStatusBadge({ status }: { status: ProcessStatus | 'none' }) {
  const s = status === 'none' ? { icon: 'stopped' as const, label: 'Not started', abnormal: false } : processStates[status];
  return (
    <span className={s.abnormal ? diag : calm} data-status={status}>
      <Icon name={s.icon} />
      {s.label}
    </span>
  );
}

/** Quality word (and reason when bad); `compact` omits the word for good values. */
export function QualityBadge({ sample, compact = false }: { sample: Sample | undefined | null; compact?: boolean }) {
  if (!sample) {
    return (
      <span className="inline-flex items-center gap-1 text-sm text-muted" data-quality="none">
        <Icon name="unknown" />
        No data
      </span>
    );
  }
  if (sample.quality === 'good') {
    return (
      <span className="inline-flex items-center gap-1 text-sm text-muted" data-quality="good">
        <Icon name="good" />
        {compact ? <span className="sr-only">Good</span> : 'Good'}
      </span>
    );
  }
  if (sample.quality === 'stale') {
    return (
      <span
        className="inline-flex min-w-0 items-start gap-1 text-sm font-semibold text-stale"
        data-quality="stale"
        title={sample.reason && qualityReasonText(sample.reason)}
      >
        <Icon name="stale" className="mt-0.5 size-4" />
        <span className="min-w-0 break-words">
          Stale{sample.reason && !compact ? <span className="font-normal">: {qualityReasonText(sample.reason)}</span> : null}
        </span>
      </span>
    );
  }
  return (
    <span
      className="inline-flex min-w-0 items-start gap-1 text-sm font-semibold text-diag"
      data-quality="bad"
      title={sample.reason && qualityReasonText(sample.reason)}
    >
      <Icon name="fault" className="mt-0.5 size-4" />
      <span className="min-w-0 break-words">
        Bad{sample.reason && !compact ? <span className="font-normal">: {qualityReasonText(sample.reason)}</span> : null}
      </span>
    </span>
  );
}
