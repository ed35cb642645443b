import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { screenAppConfig } from '../packages/ui/src/build/vite';

const shared = screenAppConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/mirror/',
  pages: { index: 'index.html' },
});

export default defineConfig({ ...shared, plugins: [react(), ...shared.plugins] });
