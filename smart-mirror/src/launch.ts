/** `npm run mirror`: the Electron shell if installed and built, otherwise Chromium in kiosk mode. */
import { fileURLToPath } from 'node:url';
import { launchScreenShell } from '@aisle/ui/electron/launcher';
import { MIRROR_SHELL } from './main/config';

launchScreenShell({ ...MIRROR_SHELL, name: 'mirror', appDir: fileURLToPath(new URL('..', import.meta.url)) });
