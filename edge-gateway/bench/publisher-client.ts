import { startChild } from './ipc-child';
import type { BenchRequest, RunResult } from './protocol';

/** The publisher process (publisher.ts) and a request/reply channel to it over IPC. */
export async function startPublisher(readyTimeoutMs = 30_000) {
  const child = await startChild<BenchRequest, RunResult>('./publisher.ts', 'publisher', { readyTimeoutMs });
  return {
    ...child,
    async run(target: string, rate: number, durationMs: number): Promise<RunResult> {
      const r = await child.request({ type: 'run', target, rate, durationMs });
      if (!r) throw new Error('publisher: run returned no result');
      return r;
    },
  };
}
export type Publisher = Awaited<ReturnType<typeof startPublisher>>;
