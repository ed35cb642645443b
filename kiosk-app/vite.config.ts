import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { screenAppConfig } from '../packages/ui/src/build/vite';

const shared = screenAppConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/kiosk/',
  pages: { index: 'index.html', staff: 'staff.html' },
});

export default defineConfig({ ...shared, plugins: [react(), ...shared.plugins] });
