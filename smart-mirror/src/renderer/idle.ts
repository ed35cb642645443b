import { useEffect, useRef } from 'react';

/** How long the mirror keeps a garment without a new one or a touch before it returns to its idle look. */
export const MIRROR_IDLE_MS = 120_000;

interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Calls `onIdle` once, `ms` after the last `arm()`; `disarm()` cancels. */
export class IdleTimer {
  private handle: unknown = null;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
    private readonly timers: Timers = {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
  ) {}

  arm(): void {
    this.disarm();
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      this.onIdle();
    }, this.ms);
  }

  disarm(): void {
    if (this.handle === null) return;
    this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  get armed(): boolean {
    return this.handle !== null;
  }
}

/**
 * While `key` is non-null, calls `onIdle` after `ms` without a new key or a touch on the page. A null key (nothing
 * to clear, or staff on their way) keeps the timer off.
 */
export function useIdleReset(key: string | null, ms: number, onIdle: () => void): void {
  const latest = useRef(onIdle);
  latest.current = onIdle;
  useEffect(() => {
    if (key === null) return;
    const timer = new IdleTimer(ms, () => latest.current());
    const touched = () => timer.arm();
    timer.arm();
    window.addEventListener('pointerdown', touched, { passive: true });
    return () => {
      window.removeEventListener('pointerdown', touched);
      timer.disarm();
    };
  }, [key, ms]);
}
