import { describe, expect, it, vi } from 'vitest';
import { FakeIpcRenderer } from './fakes';
import { IPC_CHANNELS } from './ipc';
import { createShellBridge, exposeShellBridge } from './preload';
import { readShellBridge } from './shell-info';

const info = { shell: 'electron', version: '0.1.0', screen: 'kiosk' } as const;

describe('exposeShellBridge', () => {
  it('exposes one frozen object as window.aisle with the shell info and the two functions', () => {
    const exposeInMainWorld = vi.fn();
    exposeShellBridge({ exposeInMainWorld }, new FakeIpcRenderer(), info);
    expect(exposeInMainWorld).toHaveBeenCalledOnce();
    const [key, api] = exposeInMainWorld.mock.calls[0]!;
    expect(key).toBe('aisle');
    expect(api).toMatchObject(info);
    expect(Object.keys(api).sort()).toEqual(['onNfc', 'reportHealth', 'screen', 'shell', 'version']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(readShellBridge({ aisle: api })).toBe(api);
  });
});

describe('reportHealth', () => {
  it('sends a valid report to main', () => {
    const ipc = new FakeIpcRenderer();
    createShellBridge(ipc, info).reportHealth({ state: 'refused', detail: 'unknownScreen' });
    expect(ipc.sent).toEqual([[IPC_CHANNELS.health, { state: 'refused', detail: 'unknownScreen' }]]);
  });

  it('throws a clear error on an invalid report and sends nothing', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createShellBridge(ipc, info);
    expect(() => bridge.reportHealth({ state: 'exploded' } as never)).toThrow(/aisle\.reportHealth: state/);
    expect(() => bridge.reportHealth(null as never)).toThrow(TypeError);
    expect(() => bridge.reportHealth({ state: 'online', detail: 'x'.repeat(201) })).toThrow(/detail/);
    expect(ipc.sent).toEqual([]);
  });
});

describe('onNfc', () => {
  it('passes valid tags from main to the listener until unsubscribed', () => {
    const ipc = new FakeIpcRenderer();
    const listener = vi.fn();
    const unsubscribe = createShellBridge(ipc, info).onNfc(listener);
    ipc.fromMain(IPC_CHANNELS.nfc, { code: '04:A2:3B:1C' });
    unsubscribe();
    ipc.fromMain(IPC_CHANNELS.nfc, { code: '04:A2:3B:1D' });
    expect(listener.mock.calls).toEqual([[{ code: '04:A2:3B:1C' }]]);
  });

  it('drops and warns about invalid messages from main', () => {
    const ipc = new FakeIpcRenderer();
    const listener = vi.fn();
    const warn = vi.fn();
    createShellBridge(ipc, info, warn).onNfc(listener);
    ipc.fromMain(IPC_CHANNELS.nfc, { code: 'has space' });
    ipc.fromMain(IPC_CHANNELS.nfc, { code: '04A23B1C', uid: 'extra' });
    ipc.fromMain(IPC_CHANNELS.nfc);
    expect(listener).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('refuses a listener that is not a function', () => {
    expect(() => createShellBridge(new FakeIpcRenderer(), info).onNfc('nope' as never)).toThrow(
      /listener must be a function/,
    );
  });
});

describe('readShellBridge', () => {
  it('is null in a plain browser or with an incomplete object', () => {
    expect(readShellBridge({})).toBeNull();
    expect(readShellBridge({ aisle: { ...info } })).toBeNull();
    expect(readShellBridge({ aisle: { ...info, shell: 'chromium', reportHealth() {}, onNfc() {} } })).toBeNull();
  });
});
