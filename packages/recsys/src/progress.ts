import cliProgress from 'cli-progress';

/** Reports long work stage by stage; every stage's wall time is kept for the summary. */
export interface Progress {
  /** Runs one stage; `tick(n)` advances its bar by n of `total` (0 total = no bar). */
  stage<T>(name: string, total: number, run: (tick: (n?: number) => void) => Promise<T> | T): Promise<T>;
  readonly timings: ReadonlyArray<{ stage: string; ms: number }>;
}

/**
 * Progress on stderr: a cli-progress bar per stage on a terminal, one line per finished
 * stage otherwise (logs, CI), so stdout stays free for results.
 */
export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const timings: { stage: string; ms: number }[] = [];
  return {
    timings,
    async stage(name, total, run) {
      const started = performance.now();
      const bar =
        stream.isTTY && total > 0
          ? new cliProgress.SingleBar(
              {
                stream,
                format: `${name.padEnd(22)} [{bar}] {percentage}% {value}/{total} {eta_formatted}`,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(total, 0);
      try {
        return await run((n = 1) => bar?.increment(n));
      } finally {
        bar?.stop();
        const ms = performance.now() - started;
        timings.push({ stage: name, ms });
        stream.write(`${name.padEnd(22)} ${(ms / 1000).toFixed(2)} s\n`);
      }
    },
  };
}

/** For tests and library callers that want no output; still records timings. */
export function silentProgress(): Progress {
  const timings: { stage: string; ms: number }[] = [];
  return {
    timings,
    async stage(name, _total, run) {
      const started = performance.now();
      try {
        return await run(() => {});
      } finally {
        timings.push({ stage: name, ms: performance.now() - started });
      }
    },
  };
}
