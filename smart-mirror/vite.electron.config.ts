import { fileURLToPath } from 'node:url';
import { build, defineConfig } from 'vite';
import { electronShellConfigs, thenBuild } from '../packages/ui/src/electron/vite-shell';
import pkg from './package.json';

// dist-electron/main.js, then dist-electron/preload.js in a build of its own (see vite-shell.ts).
const { main, preload } = electronShellConfigs({
  root: fileURLToPath(new URL('.', import.meta.url)),
  name: 'aisle-mirror-shell',
  version: pkg.version,
});

export default defineConfig({ ...main, plugins: [...main.plugins, thenBuild(build, preload)] });
