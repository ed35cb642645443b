import '@aisle/ui/styles.css';
import { ScreenRoot } from '@aisle/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MirrorApp } from './MirrorScreen';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ScreenRoot kind="mirror">{(params) => <MirrorApp params={params} />}</ScreenRoot>
  </StrictMode>,
);
