import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { electronShellConfig } from '../packages/ui/src/build/vite';
import pkg from './package.json';

export default defineConfig(
  electronShellConfig({
    root: fileURLToPath(new URL('.', import.meta.url)),
    name: 'aisle-mirror-shell',
    version: pkg.version,
  }),
);
