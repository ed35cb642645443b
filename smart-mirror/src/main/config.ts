/** How the mirror's Electron shell and `npm run mirror` find the page and name their profile. */
export const MIRROR_SHELL = {
  profileName: 'aisle-mirror',
  title: 'Aisle Mirror',
  envVar: 'AISLE_MIRROR_URL',
  defaultUrl: 'http://127.0.0.1:8080/mirror/',
  backgroundColor: '#000000',
} as const;
