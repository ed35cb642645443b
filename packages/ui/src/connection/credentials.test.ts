import { describe, expect, it } from 'vitest';
import { type KeyValueStorage, readCredentials, rememberStore, storedSeq } from './credentials';

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

describe('screen credentials', () => {
  it('takes token and store from the URL and remembers them per screen for a reload without them', () => {
    const storage = memoryStorage();
    expect(readCredentials(`?screen=kiosk-1&store=seoul-01&token=${TOKEN}`, 'kiosk-1', storage, null)).toEqual({
      token: TOKEN,
      storeId: 'seoul-01',
    });
    expect(readCredentials('?screen=kiosk-1', 'kiosk-1', storage, null)).toEqual({ token: TOKEN, storeId: 'seoul-01' });
    // another screen of the same browser has its own
    expect(readCredentials('?screen=kiosk-2', 'kiosk-2', storage, null)).toEqual({ token: null, storeId: null });
  });

  it('falls back on the Electron shell, ignores invalid values, and remembers the store of an accepted hello', () => {
    const storage = memoryStorage();
    expect(
      readCredentials('?token=short&store=../x', 'mirror-1', storage, { token: TOKEN, storeId: 'busan-02' }),
    ).toEqual({ token: TOKEN, storeId: 'busan-02' });
    expect(storage.data.size).toBe(0);
    rememberStore('mirror-1', 'seoul-01', storage);
    expect(readCredentials('', 'mirror-1', storage, null).storeId).toBe('seoul-01');
  });

  it('keeps the last sequence number, and reads junk as 0', () => {
    const storage = memoryStorage();
    const seq = storedSeq('staff-1', storage);
    expect(seq.load()).toBe(0);
    seq.save(42);
    expect(storedSeq('staff-1', storage).load()).toBe(42);
    storage.setItem('aisle.screen.staff-1.lastSeq', 'NaN');
    expect(seq.load()).toBe(0);
    expect(storedSeq('staff-1', null).load()).toBe(0);
  });
});
