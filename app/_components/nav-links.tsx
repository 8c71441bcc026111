'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

export interface NavItem {
  href: string;
  label: string;
  /** Shown in the bar from `lg` up; the others only from `xl` (and always in the menu). */
  primary?: boolean;
}

/** Whether `href` is the section of `path` (the overview owns the line pages). */
export function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' || path.startsWith('/lines/') : path === href || path.startsWith(`${href}/`);
}

const link =
  'inline-flex min-h-11 items-center rounded-md px-3 font-medium whitespace-nowrap hover:bg-raised aria-[current=page]:bg-surface aria-[current=page]:underline aria-[current=page]:decoration-2 aria-[current=page]:underline-offset-4';

function NavLink({ item, path, className = '' }: { item: NavItem; path: string | null; className?: string }) {
  return (
    <Link
      href={item.href}
      // Every page is rendered per request, so a prefetch brings only the shared layout,
      // for a request per link on each load of each page: links load when tapped.
      prefetch={false}
      aria-current={path !== null && isCurrent(item.href, path) ? 'page' : undefined}
      className={`${link} ${className}`}
    >
      {item.label}
    </Link>
  );
}

/**
 * Main navigation, one row that never wraps. Phones: a Menu button that opens every page as
 * a list under the bar (with the account and the theme, which have no room in the bar).
 * Tablets (`lg`): the primary pages in the bar, the rest in the menu. Desktops (`xl`): all
 * pages in the bar, no menu. The menu closes on a navigation, Escape, or a tap outside it.
 */
export function NavLinks({ items, extra }: { items: NavItem[]; extra?: ReactNode }) {
  const path = usePathname();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // A page opened from the menu (or by any other way) closes it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each change of page on purpose.
  useEffect(() => setOpen(false), [path]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <nav ref={root} aria-label="Main" className="order-last flex min-w-0 items-center lg:order-none lg:flex-1">
      <ul className="hidden min-w-0 items-center gap-1 lg:flex">
        {items.map((item) => (
          <li key={item.href} className={item.primary ? undefined : 'hidden xl:block'}>
            <NavLink item={item} path={path} />
          </li>
        ))}
      </ul>
      {/* Phones: the menu spans the bar (the bar is its containing block); from lg, it drops from its button. */}
      <div className="lg:relative">
        <button
          ref={button}
          type="button"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen((o) => !o)}
          className="inline-flex min-h-11 min-w-11 items-center gap-1.5 rounded-md border border-edge-soft px-2.5 text-sm font-semibold hover:bg-raised aria-expanded:bg-surface xl:hidden"
          data-testid="nav-menu-button"
        >
          <svg viewBox="0 0 16 16" className="size-5 shrink-0" aria-hidden="true" focusable="false">
            {open ? (
              <path d="m3.5 3.5 9 9m0-9-9 9" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            ) : (
              <path d="M2 4h12M2 8h12M2 12h12" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            )}
          </svg>
          Menu
        </button>
        <div
          id={panelId}
          hidden={!open}
          className="absolute inset-x-0 top-full z-20 max-h-[calc(100dvh-4rem)] overflow-y-auto border-b-2 border-edge bg-canvas shadow-lg lg:inset-x-auto lg:left-0 lg:mt-1 lg:w-56 lg:rounded-lg lg:border-2 xl:hidden"
          data-testid="nav-menu"
        >
          <ul className="mx-auto grid max-w-6xl grid-cols-2 gap-1 px-3 py-2 sm:grid-cols-3 sm:px-4 lg:grid-cols-1 lg:px-2">
            {items.map((item) => (
              <li key={item.href} className={item.primary ? 'lg:hidden' : undefined}>
                <NavLink item={item} path={path} className="w-full text-base" />
              </li>
            ))}
          </ul>
          {extra ? <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-2 border-t border-edge-soft px-3 py-2 sm:hidden">{extra}</div> : null}
        </div>
      </div>
    </nav>
  );
}
