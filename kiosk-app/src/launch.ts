/** `npm run kiosk`: the Electron shell if installed and built, otherwise Chromium in kiosk mode. */
import { fileURLToPath } from 'node:url';
import { launchScreenShell } from '@aisle/ui/electron/launcher';
import { KIOSK_SHELL } from './main/config';

launchScreenShell({ ...KIOSK_SHELL, name: 'kiosk', appDir: fileURLToPath(new URL('..', import.meta.url)) });
