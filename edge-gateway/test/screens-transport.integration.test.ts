import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZoneContext } from '@aisle/contracts';
import { hashPin, type StaffFile } from '@aisle/contracts/credentials';
import { until } from '@aisle/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index';
import { ScreenOutbox } from '../src/realtime/outbox';
import { connectRefusal, connectScreen, type Fixture, startFixture, type TestScreen } from './fixture';

/**
 * The screens' realtime contract (issue #6, part 4) with real socket.io clients: device tokens, hello checks, what
 * each kind of screen may send, staff login, and sequence numbers with replay — after a reconnect and after the
 * gateway itself was stopped and started again on the same database.
 */

let fx: Fixture;
/** The gateway now serving (replaced by the restart test). */
let current: Gateway;
/** Added to the gateway's clock, to let a staff screen's lock run out. */
let clockOffset = 0;
const screens: TestScreen[] = [];

async function screen(...args: Parameters<typeof connectScreen>): Promise<TestScreen> {
  const s = await connectScreen(...args);
  screens.push(s);
  return s;
}

const zoneNote = (shoppers: number): ZoneContext => ({
  zoneId: 'beauty',
  name: { en: 'Beauty', ko: '뷰티' },
  shoppers,
  updatedAt: Date.now(),
});

async function refusals(reason: string): Promise<number> {
  const metric = await current.metrics.registry.getSingleMetric('aisle_screen_refusals_total')?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-staff-'));
  const staffPath = join(dir, 'staff.json');
  const staff: StaffFile = [
    { id: 'staff-minji', name: 'Minji', role: 'associate', pinHash: hashPin('1234') },
    { id: 'staff-junho', name: 'Junho', role: 'manager', pinHash: hashPin('9999') },
  ];
  writeFileSync(staffPath, JSON.stringify(staff));
  fx = await startFixture({ realtime: { staffPath } }, { now: () => Date.now() + clockOffset });
  current = fx.gateway;
});

afterAll(async () => {
  for (const s of screens) s.close();
  await current?.close();
  await fx?.cloud.app.close();
});

describe('screens realtime transport', () => {
  it('refuses a connection without a device token, or with a forged one, before any event', async () => {
    const before = { missing: await refusals('missingToken'), invalid: await refusals('invalidToken') };
    expect(await connectRefusal(fx.urls.httpUrl)).toBe('missingToken');
    expect(await connectRefusal(fx.urls.httpUrl, { token: '' })).toBe('missingToken');
    expect(await connectRefusal(fx.urls.httpUrl, { token: 'A'.repeat(43) })).toBe('invalidToken');
    expect(await connectRefusal(fx.urls.httpUrl, { token: 'short' })).toBe('invalidToken');
    expect(await connectRefusal(fx.urls.httpUrl, { token: 42 })).toBe('invalidToken');
    expect(await refusals('missingToken')).toBe(before.missing + 2);
    expect(await refusals('invalidToken')).toBe(before.invalid + 3);
  });

  it('refuses a hello for another screen, another kind or another store than the token was issued for', async () => {
    const kioskToken = (await screen(fx, 'kiosk-1')).socket.auth as { token: string };
    const as = async (screenId: string, kind: 'kiosk' | 'mirror' | 'staff', storeId = fx.plan.storeId) =>
      (await screen(fx, screenId, { kind, token: kioskToken.token, hello: { storeId } })).hello;
    expect(await as('staff-1', 'staff')).toMatchObject({ ok: false, reason: 'notPaired' });
    expect(await as('kiosk-1', 'mirror')).toMatchObject({ ok: false, reason: 'notPaired' });
    expect(await as('mirror-1', 'mirror')).toMatchObject({ ok: false, reason: 'notPaired' });
    expect(await as('kiosk-1', 'kiosk', 'other-store')).toMatchObject({ ok: false, reason: 'wrongStore' });
    expect(await as('kiosk-1', 'kiosk')).toMatchObject({ ok: true, zoneId: 'beauty', resync: false });
  });

  it('lets a kiosk send only kiosk requests: staff events, unknown events and bad payloads are refused and counted', async () => {
    const kiosk = await screen(fx, 'kiosk-1');
    const counted = await refusals('staffCustomers');
    expect(await kiosk.request('staffCustomers', {})).toMatchObject({
      ok: false,
      message: expect.stringMatching(/staff/),
    });
    expect(await kiosk.request('customerCard', { customerRef: 'ref-1' })).toMatchObject({ ok: false });
    expect(await kiosk.request('resolveRequest', { requestId: 'r-1', status: 'done' })).toMatchObject({ ok: false });
    expect(await kiosk.request('staffInsights', {})).toMatchObject({ ok: false });
    expect(await kiosk.request('staffLogin', { pin: '1234' })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await kiosk.request('sizeRequest', { itemId: 'sku-000001', size: 'M' })).toMatchObject({ ok: false });
    expect(await refusals('staffCustomers')).toBe(counted + 1);
    // bad payloads, in the shape of each request's result
    expect(await kiosk.request('identify', { method: 'phone', phone: 'call me' })).toMatchObject({
      ok: false,
      reason: 'invalid',
      message: expect.stringMatching(/phone/),
    });
    expect(await kiosk.request('personalization', { on: 'yes' })).toMatchObject({ ok: false });
    expect(await kiosk.request('viewItem', null)).toMatchObject({ ok: false });
    // clients never choose rooms: an event asking to join one is unknown
    const unknown = await refusals('unknownEvent');
    const joined = await new Promise((resolve) =>
      (kiosk.socket.emit as (e: string, m: unknown, a: (r: unknown) => void) => void)(
        'join',
        { room: 'store:other-store' },
        resolve,
      ),
    );
    expect(joined).toMatchObject({ ok: false, message: expect.stringMatching(/unknown event/) });
    expect(await refusals('unknownEvent')).toBe(unknown + 1);
    // what goes to staff screens never reaches the kiosk; what goes to it does
    current.screens.send({ kind: 'staff' }, 'storeOverview', {
      storeId: fx.plan.storeId,
      storeName: fx.plan.name,
      zones: [],
      updatedAt: Date.now(),
    });
    current.screens.send({ screen: 'kiosk-1' }, 'zoneContext', zoneNote(41));
    await kiosk.next('zoneContext', (z) => z.shoppers === 41);
    expect(kiosk.of('storeOverview')).toEqual([]);
    expect(kiosk.gaps).toBe(0);
  });

  it('refuses requests before hello', async () => {
    const kiosk = await screen(fx, 'kiosk-1', { hello: { storeId: 'other-store' } });
    expect(kiosk.hello).toMatchObject({ ok: false, reason: 'wrongStore' });
    expect(await kiosk.request('viewItem', { itemId: 'sku-000001' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/hello/),
    });
  });

  it('numbers each screen’s messages without gaps and replays what it missed after a reconnect', async () => {
    const first = await screen(fx, 'kiosk-1');
    const latest = first.hello?.ok ? first.hello.lastSeq : -1;
    expect(first.hello).toMatchObject({ ok: true, replaying: latest, resync: false });
    // a new screen (lastSeq 0) is replayed everything kept, then gets the current state
    await first.next('zoneContext', (z) => z.updatedAt > 0);
    await until('the snapshot after hello', () => first.lastSeq > latest && first.lastSeq);
    expect(first.messages.map((m) => m.delivery.seq)).toEqual(first.messages.map((_, i) => i + 1));
    first.ack();
    await until('ack stored', () => {
      const row = current.store.db.prepare("SELECT seq FROM screen_acks WHERE screen_id = 'kiosk-1'").pluck().get();
      return row === first.lastSeq;
    });
    const seen = first.lastSeq;
    first.close();
    for (const n of [101, 102, 103]) current.screens.send({ screen: 'kiosk-1' }, 'zoneContext', zoneNote(n));
    const again = await screen(fx, 'kiosk-1', { hello: { lastSeq: seen } });
    expect(again.hello).toMatchObject({ ok: true, lastSeq: seen + 3, replaying: 3, resync: false });
    await again.next('zoneContext', (z) => z.shoppers === 103);
    expect(
      again
        .of('zoneContext')
        .slice(0, 3)
        .map((z) => z.shoppers),
    ).toEqual([101, 102, 103]);
    expect(again.messages[0]?.delivery.seq).toBe(seen + 1);
    expect(again.gaps).toBe(0);
    expect(again.duplicates).toBe(0);
  });

  it('resyncs a screen ahead of the gateway, or behind what is kept, with the current state', async () => {
    const mirror = await screen(fx, 'mirror-1');
    const latest = mirror.hello?.ok ? mirror.hello.lastSeq : -1;
    await until('mirror snapshot', () => mirror.lastSeq > latest);
    mirror.close();
    const ahead = await screen(fx, 'mirror-1', { hello: { lastSeq: 1_000_000 } });
    expect(ahead.hello).toMatchObject({ ok: true, resync: true, replaying: 0 });
    const at = ahead.hello?.ok ? ahead.hello.lastSeq : -1;
    const snapshot = await ahead.next('zoneContext');
    expect(snapshot.zoneId).toBe('fitting-rooms');
    expect(ahead.messages[0]?.delivery.seq).toBe(at + 1);
    ahead.close();
    // 30 more messages while away, of which only the last 20 are kept
    for (let n = 0; n < 30; n++)
      current.screens.send({ screen: 'mirror-1' }, 'zoneContext', { ...zoneNote(n), zoneId: 'fitting-rooms' });
    const keep = new ScreenOutbox(current.store.db, {
      floorPlan: fx.plan,
      now: Date.now,
      keepMessages: 20,
      keepMs: 3_600_000,
    });
    expect(keep.prune()).toBeGreaterThan(0);
    const behind = await screen(fx, 'mirror-1', { hello: { lastSeq: 1 } });
    expect(behind.hello).toMatchObject({ ok: true, resync: true, replaying: 0 });
    const resumed = await screen(fx, 'mirror-1', { hello: { lastSeq: ahead.lastSeq + 20 } });
    expect(resumed.hello).toMatchObject({ ok: true, resync: false, replaying: expect.any(Number) });
  });

  it('logs staff in by PIN, refuses staff requests before, keeps insights for managers, and locks after 5 wrong PINs', async () => {
    const staff = await screen(fx, 'staff-1');
    expect(staff.hello).toMatchObject({ ok: true, resync: false });
    expect(staff.hello?.ok && staff.hello.zoneId).toBeFalsy();
    await staff.next('storeOverview');
    expect(await staff.request('staffCustomers', {})).toMatchObject({ ok: false, message: 'log in first' });
    expect(await staff.request('staffLogin', { pin: '12a4' })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await staff.request('staffLogin', { pin: '0000' })).toMatchObject({ ok: false, reason: 'wrongPin' });
    expect(await staff.request('staffLogin', { pin: '1234' })).toEqual({
      ok: true,
      staff: { name: 'Minji', role: 'associate' },
    });
    const gate = /log in|manager|staff screen/;
    expect(await staff.request('staffCustomers', {})).not.toMatchObject({ message: expect.stringMatching(gate) });
    expect(await staff.request('staffInsights', {})).toMatchObject({
      ok: false,
      message: expect.stringMatching(/manager/),
    });
    expect(await staff.request('staffLogout', {})).toEqual({ ok: true });
    expect(await staff.request('staffCustomers', {})).toMatchObject({ ok: false, message: 'log in first' });
    expect(await staff.request('staffLogin', { pin: '9999' })).toMatchObject({ ok: true, staff: { role: 'manager' } });
    expect(await staff.request('staffInsights', {})).not.toMatchObject({ message: expect.stringMatching(gate) });
    // five wrong PINs in a row lock the screen, also for the right PIN, also on a new connection
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push(await staff.request('staffLogin', { pin: `00${i}0` }));
    expect(tries.map((t) => !t.ok && t.reason)).toEqual(['wrongPin', 'wrongPin', 'wrongPin', 'wrongPin', 'locked']);
    const other = await screen(fx, 'staff-1');
    const locked = await other.request('staffLogin', { pin: '9999' });
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    expect(!locked.ok && locked.retryAfterMs).toBeGreaterThan(50_000);
    expect(await other.request('staffInsights', {})).toMatchObject({ ok: false, message: 'log in first' });
    clockOffset += 61_000;
    expect(await other.request('staffLogin', { pin: '9999' })).toMatchObject({ ok: true });
  });

  it('replays every message missed while the gateway was down and restarted on the same database, with no gap', async () => {
    const kiosk = await screen(fx, 'kiosk-1');
    await until('kiosk snapshot', () => kiosk.of('zoneContext').length > 0);
    current.screens.send({ screen: 'kiosk-1' }, 'zoneContext', zoneNote(201));
    await kiosk.next('zoneContext', (z) => z.shoppers === 201);
    const { config } = current;
    await current.close();
    await until('the kiosk notices', () => !kiosk.socket.connected);
    const hellos = kiosk.hellos.length;
    current = await createGateway(
      { ...config, http: { ...config.http, port: fx.urls.httpPort }, mqtt: { ...config.mqtt, port: 0 } },
      { logger: pino({ level: 'silent' }) },
    );
    // sent after the restart, before any screen is back: stored, then replayed
    current.screens.send({ screen: 'kiosk-1' }, 'zoneContext', zoneNote(202));
    current.screens.send({ screen: 'kiosk-1' }, 'zoneContext', zoneNote(203));
    await current.listen();
    await until('the kiosk is back by itself', () => kiosk.hellos.length > hellos, 15_000);
    expect(kiosk.hello).toMatchObject({ ok: true, resync: false, replaying: expect.any(Number) });
    await kiosk.next('zoneContext', (z) => z.shoppers === 203);
    const shoppers = kiosk.of('zoneContext').map((z) => z.shoppers);
    expect(shoppers.slice(shoppers.indexOf(201))).toEqual(expect.arrayContaining([201, 202, 203]));
    expect(shoppers.indexOf(203) - shoppers.indexOf(201)).toBeGreaterThanOrEqual(2);
    expect(kiosk.messages.map((m) => m.delivery.seq)).toEqual(kiosk.messages.map((_, i) => i + 1));
    expect(kiosk.gaps).toBe(0);
    expect(kiosk.duplicates).toBe(0);
  });
});
