import '@aisle/ui/styles.css';
import { ScreenRoot } from '@aisle/ui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { StaffApp } from './StaffScreen';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ScreenRoot kind="staff">{(params) => <StaffApp params={params} />}</ScreenRoot>
  </StrictMode>,
);
