'use client';

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { formatValue } from '../../lib/client/format.ts';
import { shownSample, subscribeSample, useSampleLook } from '../../lib/client/live-store.ts';
import type { TagView } from '../../lib/plant/describe.ts';
import { QualityBadge } from './status-badge.tsx';
import { TagValue } from './tag-value.tsx';

/**
 * A live value whose number is written straight into the DOM when it changes: a value
 * ticking costs no React render. React re-renders only when the value's look changes
 * (quality, reason, stale or not), and then the number is written again after the render.
 *
 * Before hydration, an offline start may already have painted the last known value into this
 * element (lib/client/early-paint.ts): hydration keeps that text, and nothing writes over it
 * until the store holds a sample for the tag.
 */
export function LiveTagValue({ tag, size }: { tag: TagView; size?: 'md' | 'lg' }) {
  const look = useSampleLook(tag.id);
  // Null look: hydrating, the server-rendered sample applies.
  const sample = (look === null ? undefined : shownSample(tag.id)) ?? tag.current ?? undefined;
  const valueRef = useRef<HTMLSpanElement>(null);
  // React keeps rendering its first text, so it never writes over a newer one.
  const [firstText] = useState(() => formatValue(sample?.value, tag.decimals, tag.type));
  const { id, decimals, type } = tag;

  useLayoutEffect(() => {
    if (look !== null) writeValue(valueRef.current, id, decimals, type);
  });
  useEffect(() => subscribeSample(id, () => writeValue(valueRef.current, id, decimals, type)), [id, decimals, type]);

  return (
    <>
      <TagValue sample={sample} decimals={tag.decimals} unit={tag.unit} type={tag.type} size={size} valueRef={valueRef} text={firstText} liveTag={tag.id} />
      {sample && sample.quality !== 'good' ? <QualityBadge sample={sample} compact /> : null}
    </>
  );
}

function writeValue(el: HTMLSpanElement | null, tag: string, decimals: number, type: string): void {
  const s = shownSample(tag);
  // Nothing in the store yet: what is on screen (server render or last known paint) stays.
  if (!el || !s) return;
  const text = formatValue(s.value, decimals, type);
  if (el.textContent !== text) el.textContent = text;
}
