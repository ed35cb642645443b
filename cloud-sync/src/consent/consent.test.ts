import { type ConsentCapture, type ConsentOverview, CustomerProfile, schemaExamples } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { cloudPerTest, testBackends } from '../testing';

const A = 'seoul-01';
const B = 'busan-02';
const NOW = 1_800_000_000_000;
/** Seeded with location consent and no personalization, and no consent records. */
const customer = CustomerProfile.parse({
  ...schemaExamples.CustomerProfile.example,
  consent: { personalization: false, location: true },
  homeStoreId: A,
});
const ID = customer.customerId;
const capture = (change: Partial<ConsentCapture> = {}): ConsentCapture => ({
  purpose: 'personalization',
  state: 'granted',
  policyVersion: '2026-01',
  channel: 'web',
  at: NOW - 60_000,
  ...change,
});

describe.each(testBackends())('consent records on $name', (backend) => {
  /** `send` sends a request with the operator's credential, or the store's when its second argument names one. */
  const { start: startCloud, cloud, send } = cloudPerTest(backend, { now: NOW, stores: [A, B] });
  const start = () => startCloud({ catalog: schemaExamples.Catalog.example, customers: [customer] });
  const post = (body: unknown, as?: string, customerId = ID) =>
    send({ method: 'POST', url: `/v1/customers/${customerId}/consent`, payload: body as object }, as);
  const overview = async (): Promise<ConsentOverview> =>
    (await send({ method: 'GET', url: `/v1/customers/${ID}/consent` })).json();
  const flags = async () => (await cloud().store.customer(ID))!.consent;
  const stateOf = async (purpose: string) => (await overview()).current.find((s) => s.purpose === purpose);

  it('a grant is recorded and sets the profile flag stores pull, with a newer updatedAt', async () => {
    await start();
    const res = await post(capture());
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      record: { id: 1, customerId: ID, purpose: 'personalization', state: 'granted', recordedBy: 'admin' },
      current: true,
      duplicate: false,
    });
    const profile = (await cloud().store.customer(ID))!;
    expect(profile.consent).toEqual({ personalization: true, location: true });
    expect(profile.updatedAt).toBe(NOW);
    const view = await overview();
    expect(view.history).toHaveLength(1);
    expect(view.current.map((s) => [s.purpose, s.state])).toEqual([
      ['location', 'denied'],
      ['personalization', 'granted'],
      ['marketing', 'denied'],
      ['analytics', 'denied'],
    ]);
  });

  it("the store pulls the new flag with the customer's next profile change", async () => {
    await start();
    const feed = (cursor: number) => send({ method: 'GET', url: `/v1/stores/${A}/profiles?cursor=${cursor}` }, A);
    const before = (await feed(0)).json();
    expect(before.profiles.map((p: CustomerProfile) => p.customerId)).toEqual([ID]);
    await post(capture({ channel: 'staff', storeId: A }), A);
    const after = (await feed(before.cursor)).json();
    expect(after.profiles).toEqual([
      expect.objectContaining({ customerId: ID, consent: { personalization: true, location: true } }),
    ]);
  });

  it('a decision older than the latest is kept in the history but does not flip the state', async () => {
    await start();
    await post(capture({ state: 'granted', at: NOW - 1000 }));
    expect((await post(capture({ state: 'withdrawn', at: NOW - 500 }))).json().current).toBe(true);
    expect(await flags()).toMatchObject({ personalization: false });
    const late = await post(capture({ state: 'granted', at: NOW - 800 }));
    expect(late.statusCode).toBe(201);
    expect(late.json().current).toBe(false);
    expect(await flags()).toMatchObject({ personalization: false });
    const view = await overview();
    expect(view.history.map((r) => r.state)).toEqual(['granted', 'granted', 'withdrawn']);
    expect(view.current[1]).toMatchObject({ purpose: 'personalization', state: 'withdrawn', recordId: 2 });
  });

  it('two decisions at the same time: the one recorded later wins', async () => {
    await start();
    await post(capture({ state: 'granted', at: NOW - 100 }));
    await post(capture({ state: 'denied', at: NOW - 100 }));
    expect(await stateOf('personalization')).toMatchObject({ state: 'denied', recordId: 2 });
    expect(await flags()).toMatchObject({ personalization: false });
  });

  it('location follows its records; marketing and analytics are recorded without touching the profile flags', async () => {
    await start();
    await post(capture({ purpose: 'marketing', state: 'granted' }));
    await post(capture({ purpose: 'analytics', state: 'denied' }));
    expect(await flags()).toEqual({ personalization: false, location: true });
    expect(await stateOf('marketing')).toMatchObject({ state: 'granted', policyVersion: '2026-01' });
    await post(capture({ purpose: 'location', state: 'denied' }));
    expect(await flags()).toEqual({ personalization: false, location: false });
  });

  it('concurrent decisions leave the profile at the latest one, whatever order they commit in', async () => {
    await start();
    // sent together; the latest decision (offset 7) is the second one sent, a denial
    const states = ['granted', 'denied', 'withdrawn', 'granted', 'granted', 'granted', 'withdrawn', 'granted'] as const;
    const offsets = [0, 7, 6, 5, 4, 3, 2, 1];
    const answers = await Promise.all(
      states.map((state, i) => post(capture({ state, at: NOW - 10_000 + offsets[i]! }))),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(states.map(() => 201));
    expect((await stateOf('personalization'))?.state).toBe('denied');
    expect((await flags()).personalization).toBe(false);
    expect((await overview()).history).toHaveLength(states.length);
  });

  it('a capture resent with the same eventId is answered with the first record', async () => {
    await start();
    const first = (await post(capture({ eventId: 'web-consent-0001' }))).json();
    const again = await post(capture({ eventId: 'web-consent-0001', state: 'denied' }));
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ duplicate: true, record: { id: first.record.id, state: 'granted' } });
    expect((await overview()).history).toHaveLength(1);
    await cloud().store.upsertCustomers([{ ...customer, customerId: 'cus-0002' }]);
    const other = await post(capture({ eventId: 'web-consent-0001' }), undefined, 'cus-0002');
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('event_conflict');
  });

  it('a store records consent captured in it, through its own channels and under its own id only', async () => {
    await start();
    const inStore = capture({ purpose: 'location', state: 'withdrawn', channel: 'kiosk', storeId: A });
    const res = await post(inStore, A);
    expect(res.statusCode).toBe(201);
    expect(res.json().record).toMatchObject({ recordedBy: `store:${A}`, storeId: A, channel: 'kiosk' });
    expect(await flags()).toMatchObject({ location: false });

    const forB = await post({ ...inStore, storeId: B }, A);
    expect(forB.statusCode).toBe(403);
    expect(forB.json().error.message).toMatch(/own storeId/);
    expect((await post({ ...inStore, storeId: undefined }, A)).statusCode).toBe(403);
    const online = await post({ ...inStore, channel: 'web' }, A);
    expect(online.statusCode).toBe(403);
    expect(online.json().error.message).toMatch(/store, kiosk, staff/);
    expect((await send({ method: 'GET', url: `/v1/customers/${ID}/consent` }, A)).statusCode).toBe(403);
    expect((await overview()).history).toHaveLength(1);
  });

  it('answers bad input with a clear 400 and an unknown customer with 404', async () => {
    await start();
    const bad = await post({ ...capture(), purpose: 'profiling' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_body', issues: [expect.stringMatching(/^purpose: /)] });
    expect((await post(capture(), undefined, 'no such id')).json().error.code).toBe('invalid_id');
    const unsited = await post(capture({ channel: 'staff' }));
    expect(unsited.statusCode).toBe(400);
    expect(unsited.json().error.code).toBe('store_required');
    const future = await post(capture({ at: NOW + 3_600_000 }));
    expect(future.statusCode).toBe(400);
    expect(future.json().error.code).toBe('consent_in_future');
    expect((await post(capture(), undefined, 'cus-9999')).statusCode).toBe(404);
    expect((await send({ method: 'GET', url: '/v1/customers/cus-9999/consent' })).statusCode).toBe(404);
    expect(
      (await cloud().app.inject({ method: 'POST', url: `/v1/customers/${ID}/consent`, payload: capture() })).statusCode,
    ).toBe(401);
    expect((await overview()).history).toHaveLength(0);
  });
});
