import { useEffect, useRef, useState } from 'react';

export const DEFAULT_IDLE_MS = 60_000;
const MIN_IDLE_S = 5;
const MAX_IDLE_S = 3600;

/** `?idle=<seconds>` of the kiosk page: inactivity before "Are you still there?" (default 60 s, 5 s to 1 h). */
export function readIdleMs(search: string, warn: (message: string) => void = console.warn): number {
  const raw = new URLSearchParams(search).get('idle');
  if (raw === null) return DEFAULT_IDLE_MS;
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds < MIN_IDLE_S || seconds > MAX_IDLE_S) {
    warn(`[aisle] ignoring invalid ?idle=${JSON.stringify(raw)} (seconds, ${MIN_IDLE_S} to ${MAX_IDLE_S}); using 60`);
    return DEFAULT_IDLE_MS;
  }
  return Math.round(seconds * 1000);
}

/** How long "Are you still there?" counts down: 10 s, shorter when the idle time itself is short. */
export function warningMs(idleMs: number): number {
  return idleMs < 20_000 ? Math.min(10_000, Math.floor(idleMs / 2)) : 10_000;
}

export type IdlePhase = { phase: 'active' } | { phase: 'warning'; remainingMs: number } | { phase: 'expired' };

/** Where the kiosk is after `sinceActivityMs` without a touch or key. */
export function idlePhase(sinceActivityMs: number, idleMs: number): IdlePhase {
  if (sinceActivityMs < idleMs) return { phase: 'active' };
  const remainingMs = idleMs + warningMs(idleMs) - sinceActivityMs;
  return remainingMs > 0 ? { phase: 'warning', remainingMs } : { phase: 'expired' };
}

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const;

/**
 * While `active`, watches for touches and keys on the page; returns the countdown (ms) while "Are you still there?"
 * shows, null otherwise, and calls `onExpire` once when it runs out. Local timers only, so it also resets an
 * offline kiosk.
 */
export function useIdleCountdown(active: boolean, idleMs: number, onExpire: () => void): number | null {
  const [remaining, setRemaining] = useState<number | null>(null);
  const expire = useRef(onExpire);
  expire.current = onExpire;
  useEffect(() => {
    setRemaining(null);
    if (!active) return;
    let last = Date.now();
    let expired = false;
    const onActivity = () => {
      last = Date.now();
      setRemaining(null);
    };
    for (const event of ACTIVITY_EVENTS) window.addEventListener(event, onActivity, { capture: true, passive: true });
    const timer = setInterval(() => {
      const phase = idlePhase(Date.now() - last, idleMs);
      if (phase.phase === 'expired') {
        if (!expired) {
          expired = true;
          setRemaining(null);
          expire.current();
        }
      } else setRemaining(phase.phase === 'warning' ? phase.remainingMs : null);
    }, 250);
    return () => {
      clearInterval(timer);
      for (const event of ACTIVITY_EVENTS) window.removeEventListener(event, onActivity, { capture: true });
    };
  }, [active, idleMs]);
  return remaining;
}
