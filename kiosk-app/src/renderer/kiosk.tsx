import '@aisle/ui/styles.css';
import { ScreenRoot } from '@aisle/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { KioskApp } from './KioskScreen';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ScreenRoot kind="kiosk">{(params) => <KioskApp params={params} />}</ScreenRoot>
  </StrictMode>,
);
