import { useSyncExternalStore } from 'react';
import type { AlarmPriority } from '../alarms/alarm-types.ts';

/**
 * Audible / tactile annunciation of new high-priority alarms on this device: off by default,
 * remembered per device (localStorage), shared by its tabs. Sound is a short synthesised
 * beep pattern (Web Audio: no asset to load, works offline); vibration uses the Vibration API
 * where the device has one (phones). Browsers only allow sound after a user gesture on the
 * page, so the audio context is unlocked by the first tap after the page loads.
 */

export const annunciationModes = ['off', 'sound', 'vibrate', 'both'] as const;
export type AnnunciationMode = (typeof annunciationModes)[number];

const storageKey = 'linewatch.alarm-annunciation';
/** Priorities that sound or vibrate; lower ones only show. */
export const annunciatedPriorities: readonly AlarmPriority[] = ['critical', 'high'];

const listeners = new Set<() => void>();
let audio: AudioContext | null = null;
let unlockArmed = false;

function read(): AnnunciationMode {
  try {
    const v = localStorage.getItem(storageKey);
    return (annunciationModes as readonly string[]).includes(v ?? '') ? (v as AnnunciationMode) : 'off';
  } catch {
    return 'off';
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => e.key === storageKey && listener();
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** This device's choice; `off` during server rendering. */
export function useAnnunciationMode(): AnnunciationMode {
  return useSyncExternalStore(subscribe, read, () => 'off');
}

/** Stores the choice; call from a user gesture so sound can start. */
export function setAnnunciationMode(mode: AnnunciationMode): void {
  try {
    localStorage.setItem(storageKey, mode);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  if (mode === 'sound' || mode === 'both') unlockAudio();
  for (const l of listeners) l();
}

function unlockAudio(): void {
  if (typeof window === 'undefined' || typeof AudioContext === 'undefined') return;
  audio ??= new AudioContext();
  if (audio.state === 'suspended') void audio.resume();
}

/** Arms a one-time unlock on the next tap or key press (the page just loaded with sound on). */
export function armAudioUnlock(): void {
  if (unlockArmed || typeof window === 'undefined') return;
  const mode = read();
  if (mode !== 'sound' && mode !== 'both') return;
  unlockArmed = true;
  const unlock = () => {
    unlockAudio();
    window.removeEventListener('pointerdown', unlock, true);
    window.removeEventListener('keydown', unlock, true);
  };
  window.addEventListener('pointerdown', unlock, true);
  window.addEventListener('keydown', unlock, true);
}

const patterns: Partial<Record<AlarmPriority, { hz: number; beeps: number; beepMs: number; vibrate: number[] }>> = {
  critical: { hz: 880, beeps: 3, beepMs: 160, vibrate: [300, 100, 300, 100, 300] },
  high: { hz: 660, beeps: 2, beepMs: 220, vibrate: [300, 150, 300] },
};

/** Sounds and/or vibrates for a new alarm of this priority, as this device is set up. */
export function annunciate(priority: AlarmPriority): void {
  const mode = read();
  const p = patterns[priority];
  if (mode === 'off' || !p) return;
  if ((mode === 'vibrate' || mode === 'both') && typeof navigator !== 'undefined' && 'vibrate' in navigator) navigator.vibrate(p.vibrate);
  if ((mode === 'sound' || mode === 'both') && audio && audio.state === 'running') beep(audio, p.hz, p.beeps, p.beepMs);
}

/** Plays a sample of the pattern (the "test" button). */
export function testAnnunciation(): void {
  unlockAudio();
  annunciate('critical');
}

function beep(ctx: AudioContext, hz: number, beeps: number, beepMs: number): void {
  const t0 = ctx.currentTime + 0.02;
  for (let i = 0; i < beeps; i++) {
    const start = t0 + (i * beepMs * 1.7) / 1000;
    const end = start + beepMs / 1000;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = hz;
    // Short ramps avoid clicks.
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.15, start + 0.01);
    gain.gain.setValueAtTime(0.15, end - 0.02);
    gain.gain.linearRampToValueAtTime(0, end);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(end + 0.01);
  }
}
