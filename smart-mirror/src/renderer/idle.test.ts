import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleTimer } from './idle';

describe('IdleTimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once after the delay since the last arm, and not after disarm', () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const timer = new IdleTimer(120_000, onIdle);
    timer.arm();
    vi.advanceTimersByTime(119_000);
    timer.arm(); // a touch or a new garment starts the wait again
    vi.advanceTimersByTime(119_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(timer.armed).toBe(false);
    vi.advanceTimersByTime(600_000);
    expect(onIdle).toHaveBeenCalledTimes(1);

    timer.arm();
    timer.disarm();
    vi.advanceTimersByTime(600_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});
