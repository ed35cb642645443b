import type { MyDataLink } from '@aisle/contracts';
import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestModel } from '../decide/testing';
import { CloudClient } from '../sync/cloud-client';
import { kiosk, screenStore } from './testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel('bundles');
});
afterAll(async () => {
  await recommender.close();
});

const link: MyDataLink = { url: 'http://cloud.test/my-data#t=abc.def', expiresAt: 1_900_000_000_000 };

describe('the "my data" link at the kiosk', () => {
  it("asks the cloud for the identified shopper's link, for that customer", async () => {
    const asked: string[] = [];
    const s = screenStore(recommender, {
      myDataLink: async (customerId) => {
        asked.push(customerId);
        return link;
      },
    });
    expect(await s.services.handlers.myDataLink!(kiosk, {})).toMatchObject({ ok: false, reason: 'noSession' });
    await s.services.handlers.identify!(kiosk, { method: 'anonymous' });
    expect(await s.services.handlers.myDataLink!(kiosk, {})).toMatchObject({ ok: false, reason: 'noSession' });
    await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    expect(await s.services.handlers.myDataLink!(kiosk, {})).toEqual({ ok: true, ...link });
    expect(asked).toEqual([s.services.kiosk.session('kiosk-1')!.customerId]);
  });

  it('answers unavailable when the cloud cannot be reached, and nothing once the shopper left meanwhile', async () => {
    // nothing listens on port 9 of this machine: a real connection refused
    const offline = new CloudClient('http://127.0.0.1:9', 2_000, 'seoul-01.secret');
    const s = screenStore(recommender, { myDataLink: (id) => offline.myDataLink('seoul-01', id) });
    await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    expect(await s.services.handlers.myDataLink!(kiosk, {})).toMatchObject({
      ok: false,
      reason: 'unavailable',
      message: 'the cloud cannot be reached right now',
    });

    let answer: (l: MyDataLink) => void = () => {};
    const slow = screenStore(recommender, { myDataLink: () => new Promise((resolve) => (answer = resolve)) });
    await slow.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    const pending = slow.services.handlers.myDataLink!(kiosk, {});
    await slow.services.handlers.endSession!(kiosk, { reason: 'done' });
    answer(link);
    expect(await pending).toMatchObject({ ok: false, reason: 'noSession' });
  });
});
