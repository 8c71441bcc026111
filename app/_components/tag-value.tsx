import { formatValue } from '../../lib/client/format.ts';
import type { Sample } from '../../lib/types.ts';

interface Props {
  sample: Sample | undefined | null;
  decimals: number;
  unit: string;
  type: string;
  /** Text size of the number. */
  size?: 'md' | 'lg';
}

/**
 * A value with its unit. Numbers use tabular figures in a right-aligned box, so ticking
 * values never shift the layout. A bad or stale value keeps showing the last known number
 * (supervisors need it) but muted, italic and hatched: it never looks like a fresh one.
 */
export function TagValue({ sample, decimals, unit, type, size = 'md' }: Props) {
  const fresh = sample?.quality === 'good';
  const text = formatValue(sample?.value, decimals, type);
  const number = size === 'lg' ? 'text-2xl' : 'text-xl';
  return (
    <span
      className={`-mx-1 inline-flex items-baseline justify-end gap-1 rounded px-1 ${fresh ? '' : 'hatched'}`}
      data-quality={sample?.quality ?? 'none'}
    >
      <span className={`${number} font-semibold tabular-nums ${fresh ? 'text-fg' : 'font-normal italic text-stale'}`} data-value>
        {text}
      </span>
      {unit && type !== 'bool' ? <span className={`text-sm ${fresh ? 'text-muted' : 'italic text-stale'}`}>{unit}</span> : null}
    </span>
  );
}
