/** How the kiosk's Electron shell and `npm run kiosk` find the page and name their profile. */
export const KIOSK_SHELL = {
  profileName: 'aisle-kiosk',
  title: 'Aisle Kiosk',
  envVar: 'AISLE_KIOSK_URL',
  defaultUrl: 'http://127.0.0.1:8080/kiosk/',
  backgroundColor: '#f6f6f1',
} as const;
