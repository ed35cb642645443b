/**
 * What a benchmark started (processes, servers, temp folders), undone in reverse order on the way out or on
 * Ctrl-C. Importing this installs the SIGINT/SIGTERM handlers.
 */
const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** Runs every cleanup once (each given 10 s at most); later calls wait for the same run. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await Promise.race([fn(), new Promise((r) => setTimeout(r, 10_000))]);
      } catch (err) {
        if (!interrupted) console.error(`cleanup: ${(err as Error).message}`); // children die with the signal too
      }
    }
  })();
  return cleaning;
}

/** True once a signal arrived: the handler cleans up and exits, so callers should just stop. */
export function wasInterrupted(): boolean {
  return interrupted;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
