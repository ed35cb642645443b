import { createHash } from 'node:crypto';
import { CustomerProfile, phoneDigits, RfidRead } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { demoAssortment } from './assortment';
import { APPAREL_CATEGORIES, demoCatalog } from './catalog';
import { ShopperSimulation } from './shoppers';
import { demoCustomers, demoFloorPlan, demoLoyaltyId, demoPhone } from './store';

const NOW = Date.UTC(2026, 10, 29, 14, 0);
const catalog = demoCatalog();
const plan = demoFloorPlan();
const stock = new Map(demoAssortment(plan, catalog).stock.map((s) => [s.itemId, s.onHand]));

describe('demo identities for the kiosk', () => {
  it('gives every customer a first name, a loyalty id and the hash of a demo phone', () => {
    const customers = demoCustomers(20, 11, NOW, catalog);
    customers.forEach((c, i) => {
      expect(CustomerProfile.safeParse(c).error).toBeUndefined();
      expect(c.firstName).toMatch(/^[A-Z][a-z]+$/);
      expect(c.loyaltyId).toBe(demoLoyaltyId(i + 1));
      expect(c.phoneHash).toBe(
        createHash('sha256')
          .update(phoneDigits(demoPhone(i + 1)))
          .digest('hex'),
      );
    });
    expect(new Set(customers.map((c) => c.phoneHash)).size).toBe(20);
    expect(demoLoyaltyId(1)).toBe('AISLE-0001');
    expect(demoPhone(1)).toBe('+82 10-0000-0001');
  });

  it('makes cus-0001 a loyal, consented customer whose online cart the demo store has in stock, whatever the day', () => {
    for (const now of [NOW, NOW + 86_400_000 * 37]) {
      const [first] = demoCustomers(20, 11, now, catalog);
      expect(first).toMatchObject({
        customerId: 'cus-0001',
        firstName: 'Minji',
        loyaltyId: 'AISLE-0001',
        segment: 'loyal',
        consent: { personalization: true, location: true },
      });
      expect(first!.recentPurchases.length).toBeGreaterThanOrEqual(2);
      expect(first!.onlineCart.length).toBeGreaterThanOrEqual(1);
      for (const line of first!.onlineCart) expect(stock.get(line.itemId)).toBeGreaterThan(0);
    }
  });

  it('keeps every other customer as it was', () => {
    const all = demoCustomers(20, 11, NOW, catalog);
    const strip = ({ firstName, loyaltyId, phoneHash, ...rest }: CustomerProfile) => rest;
    // the identities come from their own random stream: the same customers with fewer of them drawn
    expect(demoCustomers(5, 11, NOW, catalog).map(strip)).toEqual(all.slice(0, 5).map(strip));
    expect(all.slice(1).some((c) => c.segment !== 'loyal')).toBe(true);
  });
});

describe('shoppers in the fitting rooms', () => {
  it('try on garments the store has in stock', () => {
    const reads: RfidRead[] = [];
    const sim = new ShopperSimulation({
      plan,
      catalog,
      seed: 9,
      shoppers: 12,
      publish: (topic, payload) => {
        if (topic.endsWith('/read')) reads.push(RfidRead.parse(payload));
      },
    });
    for (let t = 0; t < 600_000; t += 1_000) sim.tick(NOW + t);
    expect(reads.length).toBeGreaterThan(5);
    for (const r of reads) {
      const item = catalog.find((p) => p.id === r.tags[0]!.itemId)!;
      expect(APPAREL_CATEGORIES).toContain(item.category);
      expect(stock.get(item.id)).toBeGreaterThan(0);
    }
  });
});
