import { useSyncExternalStore } from 'react';

/**
 * Installing the app: Chromium browsers fire `beforeinstallprompt` when the app is
 * installable; we keep the event and offer our own button instead of the browser's banner.
 * iOS Safari has no such event: it needs "Share → Add to Home Screen", which we explain.
 */

interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

export interface InstallState {
  /** The browser offered installation: `promptInstall()` shows its dialog. */
  canPrompt: boolean;
  /** Running as the installed app (standalone window) or just installed. */
  installed: boolean;
  /** iOS/iPadOS Safari in a tab: installable only by hand. */
  iosHint: boolean;
}

const serverState: InstallState = { canPrompt: false, installed: false, iosHint: false };
let state: InstallState = serverState;
let deferred: BeforeInstallPromptEvent | null = null;
let started = false;
const listeners = new Set<() => void>();

function set(next: Partial<InstallState>): void {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

function standalone(): boolean {
  return window.matchMedia('(display-mode: standalone)').matches || (navigator as Navigator & { standalone?: boolean }).standalone === true;
}

function isIos(): boolean {
  const ua = navigator.userAgent;
  // iPadOS reports itself as a Mac with touch.
  return /iPhone|iPad|iPod/.test(ua) || (ua.includes('Macintosh') && navigator.maxTouchPoints > 1);
}

/** Starts listening for the browser's install offer (call early: it may come soon after load). */
export function startInstallCapture(): void {
  if (started || typeof window === 'undefined') return;
  started = true;
  const installed = standalone();
  state = { canPrompt: false, installed, iosHint: !installed && isIos() };
  window.addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    deferred = e as BeforeInstallPromptEvent;
    set({ canPrompt: true });
  });
  window.addEventListener('appinstalled', () => {
    deferred = null;
    set({ canPrompt: false, installed: true });
  });
}

function subscribe(listener: () => void): () => void {
  startInstallCapture();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useInstallState(): InstallState {
  return useSyncExternalStore(
    subscribe,
    () => state,
    () => serverState,
  );
}

/** Shows the browser's install dialog (from a click). */
export async function promptInstall(): Promise<'accepted' | 'dismissed' | 'unavailable'> {
  const e = deferred;
  if (!e) return 'unavailable';
  deferred = null;
  set({ canPrompt: false });
  await e.prompt();
  const { outcome } = await e.userChoice;
  return outcome;
}
