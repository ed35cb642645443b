import '@aisle/ui/styles.css';
import { ScreenRoot } from '@aisle/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { KioskApp } from './KioskScreen';
import { readIdleMs } from './kiosk/idle';

/** `?idle=<seconds>`: inactivity before the kiosk asks "Are you still there?" and then starts over. */
const idleMs = readIdleMs(window.location.search);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ScreenRoot kind="kiosk">{(params) => <KioskApp params={params} idleMs={idleMs} />}</ScreenRoot>
  </StrictMode>,
);
