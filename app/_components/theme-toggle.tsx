'use client';

import { setThemeChoice, useThemeChoice, type ThemeChoice } from '../../lib/client/theme.ts';
import { Icon } from './glyph.tsx';

const order: ThemeChoice[] = ['auto', 'light', 'dark'];
const labels: Record<ThemeChoice, string> = { auto: 'Auto', light: 'Light', dark: 'Dark' };

/** Cycles Auto (follow the system) → Light → Dark; the choice is remembered on this device. */
export function ThemeToggle({ withLabel = false }: { withLabel?: boolean } = {}) {
  const choice = useThemeChoice();
  const current = choice ?? 'auto';
  const next = order[(order.indexOf(current) + 1) % order.length]!;
  return (
    <button
      type="button"
      onClick={() => setThemeChoice(next)}
      className="inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-md border border-edge-soft px-2 text-sm hover:bg-raised"
      aria-label={`Theme: ${labels[current]}. Switch to ${labels[next]}`}
      data-theme-choice={current}
    >
      <Icon name={current === 'auto' ? 'auto' : current === 'light' ? 'sun' : 'moon'} className="size-5" />
      <span className={withLabel ? undefined : 'hidden md:inline'} aria-hidden="true">
        {withLabel ? `Theme: ${labels[current]}` : labels[current]}
      </span>
    </button>
  );
}
