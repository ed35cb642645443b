import { parseShellArgs } from '@aisle/ui/electron';
import { describe, expect, it } from 'vitest';
import { MIRROR_SHELL } from './config';

describe('mirror shell config', () => {
  it('opens the gateway-served mirror page by default', () => {
    expect(parseShellArgs([], {}, MIRROR_SHELL).url).toBe('http://127.0.0.1:8080/mirror/');
  });

  it('reads AISLE_MIRROR_URL, not the kiosk variable', () => {
    expect(parseShellArgs([], { AISLE_MIRROR_URL: 'http://gw:8080/mirror/?screen=mirror-2' }, MIRROR_SHELL).url).toBe(
      'http://gw:8080/mirror/?screen=mirror-2',
    );
    expect(parseShellArgs([], { AISLE_KIOSK_URL: 'http://gw:8080/kiosk/' }, MIRROR_SHELL).url).toBe(
      MIRROR_SHELL.defaultUrl,
    );
  });

  it('uses its own profile, so its single-instance lock does not block the kiosk', () => {
    expect(MIRROR_SHELL.profileName).toBe('aisle-mirror');
  });
});
