/**
 * Small inline SVG icons (no font or icon kit): every abnormal state shows one next to its
 * word, so state never relies on colour alone. Decorative: always `aria-hidden`.
 */
const paths = {
  /** Running: filled disc. */
  running: <circle cx="8" cy="8" r="5.5" fill="currentColor" />,
  /** Stopped: hollow square. */
  stopped: <rect x="3" y="3" width="10" height="10" rx="1" fill="none" stroke="currentColor" strokeWidth="2" />,
  /** Bad quality, comm lost, crashed: a cross in a diamond. */
  fault: (
    <>
      <path d="M8 1.2 14.8 8 8 14.8 1.2 8Z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
      <path d="m5.8 5.8 4.4 4.4m0-4.4-4.4 4.4" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </>
  ),
  /** Stale: a clock. */
  stale: (
    <>
      <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <path d="M8 4.5V8l2.5 1.6" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </>
  ),
  /** Good: a check mark. */
  good: <path d="m3 8.5 3.2 3.2L13 4.8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />,
  /** Unknown: a question mark. */
  unknown: (
    <>
      <path d="M5.5 6a2.5 2.5 0 1 1 3.6 2.2c-.7.4-1.1.9-1.1 1.7v.4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      <circle cx="8" cy="13" r="1.1" fill="currentColor" />
    </>
  ),
  /** Transition (starting, stopping, reconnecting): circular arrows. */
  busy: (
    <>
      <path d="M13 8a5 5 0 0 1-8.6 3.5M3 8a5 5 0 0 1 8.6-3.5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      <path d="M11.8 1.8v2.9H8.9M4.2 14.2v-2.9h2.9" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </>
  ),
  /** Offline: a broken link. */
  offline: (
    <>
      <path
        d="M6.5 4.5 7.8 3.2a3 3 0 0 1 4.2 4.2L10.7 8.7M9.5 11.5l-1.3 1.3A3 3 0 0 1 4 8.6l1.3-1.3"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
      />
      <path d="m2 2 12 12" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </>
  ),
  sun: (
    <>
      <circle cx="8" cy="8" r="3" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path
        d="M8 1v2M8 13v2M1 8h2M13 8h2M3 3l1.4 1.4M11.6 11.6 13 13M3 13l1.4-1.4M11.6 4.4 13 3"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinecap="round"
      />
    </>
  ),
  moon: <path d="M13.5 10A6 6 0 0 1 6 2.5a6 6 0 1 0 7.5 7.5Z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />,
  auto: (
    <>
      <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path d="M8 2a6 6 0 0 1 0 12Z" fill="currentColor" />
    </>
  ),
  back: <path d="M10 3 5 8l5 5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />,
  /** Writable setpoint: a pencil. */
  pencil: (
    <>
      <path d="M10.8 2.6 13.4 5.2 5.6 13 2.4 13.6 3 10.4Z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
      <path d="m9.2 4.2 2.6 2.6" stroke="currentColor" strokeWidth="1.6" />
    </>
  ),
  /** Momentary command: one square pulse. */
  pulse: <path d="M1 12h4V4h6v8h4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />,
  /** Start: a play triangle (stop uses `stopped`). */
  play: <path d="M4.5 2.8v10.4L13 8Z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />,
  /** A trend: a line over time. */
  trend: <path d="M1.5 12.5 5.5 7l3 3.5 6-8" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />,
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, className = 'size-4' }: { name: IconName; className?: string }) {
  return (
    <svg viewBox="0 0 16 16" className={`inline-block shrink-0 ${className}`} aria-hidden="true" focusable="false">
      {paths[name]}
    </svg>
  );
}
