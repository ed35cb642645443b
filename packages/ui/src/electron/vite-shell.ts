/**
 * Build of the Electron shell as two single-entry Vite builds: main, then the preload. The
 * two share source (ipc.ts, zod), and one build with both entries would put that in a shared
 * chunk, which a sandboxed preload cannot `require`. Each app's vite.electron.config.ts
 * builds `main` and chains the `preload` build with `thenBuild` (Vite runs one build per config).
 * Imported by relative path, like ../build/vite.ts, and free of a Vite dependency.
 */
import { electronShellConfig } from '../build/vite';

export function electronShellConfigs(options: { root: string; name: string; version: string }) {
  const base = electronShellConfig(options);
  const only = (entry: 'main' | 'preload', emptyOutDir: boolean) => ({
    ...base,
    build: {
      ...base.build,
      emptyOutDir,
      rollupOptions: { ...base.build.rollupOptions, input: { [entry]: base.build.rollupOptions.input[entry] } },
    },
  });
  // The preload goes second, into the same folder: it must not empty it.
  return { main: only('main', true), preload: { ...only('preload', false), configFile: false as const } };
}

/** A Vite plugin that runs `build(config)` after this build succeeded. */
export function thenBuild<C>(build: (config: C) => Promise<unknown>, config: C) {
  let failed = false;
  return {
    name: 'aisle-then-build',
    apply: 'build' as const,
    buildEnd(error?: Error) {
      failed = error !== undefined;
    },
    async closeBundle() {
      if (!failed) await build(config);
    },
  };
}
