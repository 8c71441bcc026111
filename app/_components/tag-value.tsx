import type { Ref } from 'react';
import { formatValue } from '../../lib/client/format.ts';
import type { Sample } from '../../lib/types.ts';

interface Props {
  sample: Sample | undefined | null;
  decimals: number;
  unit: string;
  type: string;
  /** Text size of the number. */
  size?: 'md' | 'lg';
  /**
   * For views that write later values straight into the number's element (live-tag-value.tsx):
   * the element, and the text React renders into it (it keeps rendering that same text).
   */
  valueRef?: Ref<HTMLSpanElement>;
  text?: string;
  /** The tag id of a live value: the offline start paints its last known value here (lib/client/early-paint.ts). */
  liveTag?: string;
}

/**
 * A value with its unit. Numbers use tabular figures in a right-aligned box, so ticking
 * values never shift the layout. A bad or stale value keeps showing the last known number
 * (supervisors need it) but muted, italic and hatched: it never looks like a fresh one.
 * (lib/client/early-paint.ts writes the same stale look before hydration: keep them alike.)
 */
export function TagValue({ sample, decimals, unit, type, size = 'md', valueRef, text = formatValue(sample?.value, decimals, type), liveTag }: Props) {
  const fresh = sample?.quality === 'good';
  const number = size === 'lg' ? 'text-2xl' : 'text-xl';
  return (
    <span
      className={`-mx-1 inline-flex items-baseline justify-end gap-1 rounded px-1 ${fresh ? '' : 'hatched'}`}
      data-quality={sample?.quality ?? 'none'}
      data-live-tag={liveTag}
      data-decimals={liveTag === undefined ? undefined : decimals}
      data-type={liveTag === undefined ? undefined : type}
    >
      <span
        ref={valueRef}
        className={`${number} font-semibold tabular-nums ${fresh ? 'text-fg' : 'font-normal italic text-stale'}`}
        data-value
        // Written outside React: before hydration too (the offline start paints the last known value).
        suppressHydrationWarning={valueRef !== undefined}
      >
        {text}
      </span>
      {unit && type !== 'bool' ? <span className={`text-sm ${fresh ? 'text-muted' : 'italic text-stale'}`}>{unit}</span> : null}
    </span>
  );
}
