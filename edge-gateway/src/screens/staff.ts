/**
 * The staff assistant (issue #6, part 3): the identified customers in the store who consented to personalization,
 * a card per customer to help them well, alerts worth walking over for, and store aggregates for managers that
 * never describe fewer than k shoppers.
 */
import type {
  CustomerCard,
  CustomerCardRequest,
  CustomerCardResult,
  CustomerInStore,
  CustomerProfile,
  LocalizedText,
  StaffAlert,
  StaffCustomersResult,
  StaffInsights,
  StaffInsightsResult,
} from '@aisle/contracts';
import { shopperRef } from '../decide/decide';
import type { ScreenContext } from '../realtime/types';
import type { ShopperSession } from '../shoppers/memory';
import { cartHere, type ScreenServicesContext } from './context';
import type { KioskShopper } from './kiosk';
import * as text from './text';

export interface StaffDeps extends ScreenServicesContext {
  /** Active kiosk sessions: a customer identified at a kiosk is in the store too. */
  kioskSessions: () => Iterable<KioskShopper>;
  /** An identified, consented customer with online-cart items in stock here, in the store this long without buying. */
  cartAtRiskMs: number;
  /** Figures from fewer shoppers than this are withheld. */
  insightsK: number;
  insightsWindowMs: number;
}

/** A consented, identified customer in the store now, however the gateway knows them. */
interface Present {
  ref: string;
  customerId: string;
  profile: CustomerProfile;
  session: ShopperSession;
  zoneId: string;
  arrivedAt: number;
}

export function createStaffService(deps: StaffDeps) {
  const { catalog, profiles, sender, now } = deps;
  /** Alerts sent per customer on this visit; forgotten when the customer is no longer in the store. */
  const alerted = new Map<string, Set<StaffAlert['kind']>>();

  const stmts = {
    // each shopper's time in each zone within the window (a visit still going counts until now)
    visits: deps.db.prepare<[{ now: number; since: number }], { zone_id: string; device_id: string; dwell: number }>(
      `SELECT zone_id, device_id, sum(coalesce(left_at, @now) - max(entered_at, @since)) AS dwell
       FROM visits WHERE entered_at <= @now AND (left_at IS NULL OR left_at >= @since)
       GROUP BY zone_id, device_id`,
    ),
    touches: deps.db.prepare<[number], { item_id: string; shopper_device_id: string }>(
      `SELECT DISTINCT item_id, shopper_device_id FROM interactions
       WHERE ts >= ? AND shopper_device_id IS NOT NULL`,
    ),
  };

  /** Identified customers in the store now who consented (and did not switch it off), one entry per customer. */
  function present(): Present[] {
    const out = new Map<string, Present>();
    for (const session of deps.memory.sessions()) {
      if (!session.customerId || !session.zoneId) continue;
      add(session, session.zoneId, session.startedAt);
    }
    for (const k of deps.kioskSessions()) if (k.customerId) add(k.shopper, k.zoneId, k.startedAt);
    return [...out.values()];

    function add(session: ShopperSession, zoneId: string, arrivedAt: number): void {
      const customerId = session.customerId!;
      if (out.has(customerId)) return; // the app's presence first: it knows where they are now
      const profile = profiles.get(customerId);
      if (!profile?.consent.personalization || !session.personalization) return;
      out.set(customerId, { ref: shopperRef(session.deviceId), customerId, profile, session, zoneId, arrivedAt });
    }
  }

  function cartInStock(p: Present) {
    return cartHere(p.profile, catalog, deps.assortment()).filter(
      (l) => l.inStock > 0 && !p.session.purchased.has(l.itemId),
    );
  }

  function inStore(p: Present): CustomerInStore {
    return {
      customerRef: p.ref,
      ...(p.profile.firstName && { firstName: p.profile.firstName }),
      ...(p.profile.segment && { segment: p.profile.segment }),
      zoneId: p.zoneId,
      arrivedAt: p.arrivedAt,
      onlineCartItems: cartInStock(p).length,
    };
  }

  /** What staff call a category: the name of the zone that shelves it, else the category itself. */
  function categoryName(category: string): LocalizedText {
    for (const z of deps.zones.values()) if (z.categories.includes(category)) return z.name;
    return { en: category, ko: category };
  }

  async function card(p: Present): Promise<CustomerCard> {
    const { profile, session } = p;
    const cart = cartHere(profile, catalog, deps.assortment());
    const inStock = cartInStock(p);
    const recentPurchases = profile.recentPurchases
      .toReversed()
      .flatMap((b) => {
        const product = catalog.get(b.itemId);
        return product ? [{ itemId: b.itemId, name: product.name, channel: b.channel, at: b.at }] : [];
      })
      .slice(0, 10);
    const talkingPoints: LocalizedText[] = [];
    if (inStock.length > 0) talkingPoints.push(text.cartInStockPoint(inStock.length));
    if (profile.segment === 'loyal') talkingPoints.push(text.loyalPoint);
    const favourite = profile.favouriteCategories[0];
    if (favourite) talkingPoints.push(text.lovesPoint(categoryName(favourite)));
    const tried = session.touches.findLast((t) => t.action === 'tried_on' && catalog.has(t.itemId));
    if (tried) talkingPoints.push(text.triedPoint(catalog.get(tried.itemId)!));
    const last = profile.recentPurchases.findLast((b) => catalog.has(b.itemId));
    if (last) talkingPoints.push(text.boughtPoint(catalog.get(last.itemId)!, last.at));

    // bundles: what goes with what they hold now or bought last; else what the pipeline picks for them here
    const anchors = [
      ...new Set([...session.touches.toReversed().map((t) => t.itemId), ...recentPurchases.map((b) => b.itemId)]),
    ]
      .filter((id) => catalog.has(id))
      .slice(0, 3);
    const { push } = await deps.decide({
      zoneId: p.zoneId,
      screen: 'staff',
      trigger: anchors.length > 0 ? 'lingering' : 'zone',
      shopper: { session, profile },
      anchors,
      now: now(),
    });
    return {
      ...inStore(p),
      favouriteCategories: profile.favouriteCategories,
      recentPurchases,
      onlineCart: cart,
      talkingPoints,
      bundles: push.items,
    };
  }

  function alert(p: Present, kind: StaffAlert['kind'], msg: LocalizedText): void {
    const sent = alerted.get(p.customerId) ?? new Set();
    alerted.set(p.customerId, sent);
    if (sent.has(kind)) return;
    sent.add(kind);
    const alert: StaffAlert = {
      alertId: deps.newId(),
      kind,
      zoneId: p.zoneId,
      customerRef: p.ref,
      text: msg,
      at: now(),
    };
    sender.send({ kind: 'staff' }, 'staffAlert', alert);
    deps.logger.info({ kind, zoneId: p.zoneId, customerRef: p.ref }, 'staff alert');
  }

  return {
    /** Checks who is in the store for alerts; called on presence changes, identifications and once a second. */
    check(): void {
      const at = now();
      const here = present();
      const ids = new Set(here.map((p) => p.customerId));
      for (const id of alerted.keys()) if (!ids.has(id)) alerted.delete(id); // the visit is over
      for (const p of here) {
        const zone = deps.zones.get(p.zoneId)?.name ?? { en: p.zoneId, ko: p.zoneId };
        if (p.profile.segment === 'loyal') alert(p, 'loyal_arrived', text.loyalArrived(zone));
        const stayed = at - p.arrivedAt;
        if (stayed < deps.cartAtRiskMs || p.session.purchased.size > 0) continue;
        const items = cartInStock(p).length;
        if (items > 0) alert(p, 'cart_at_risk', text.cartAtRisk(zone, items, Math.floor(stayed / 60_000)));
      }
    },

    customers(_ctx: ScreenContext): StaffCustomersResult {
      const customers = present()
        .map(inStore)
        .sort((a, b) => a.arrivedAt - b.arrivedAt);
      return { ok: true, customers };
    },

    async customerCard(_ctx: ScreenContext, req: CustomerCardRequest): Promise<CustomerCardResult> {
      const p = present().find((c) => c.ref === req.customerRef);
      if (!p) return { ok: false, message: 'this customer is no longer in the store or has not consented' };
      return { ok: true, card: await card(p) };
    },

    insights(ctx: ScreenContext): StaffInsightsResult {
      if (ctx.staff?.role !== 'manager') return { ok: false, message: 'store insights are for managers' };
      return { ok: true, insights: insights() };
    },
  };

  function insights(): StaffInsights {
    const at = now();
    const k = deps.insightsK;
    const since = at - deps.insightsWindowMs;
    const dwells = new Map<string, number[]>();
    for (const row of stmts.visits.all({ now: at, since })) {
      const list = dwells.get(row.zone_id) ?? [];
      list.push(Math.max(0, row.dwell));
      dwells.set(row.zone_id, list);
    }
    const zones = deps.floorPlan.zones.map((z) => {
      const list = dwells.get(z.id) ?? [];
      const enough = list.length >= k;
      return {
        zoneId: z.id,
        name: z.name,
        visitors: enough ? list.length : null,
        medianDwellMs: enough ? Math.round(median(list)) : null,
      };
    });
    const shoppers = new Map<string, Set<string>>();
    for (const row of stmts.touches.all(since)) {
      const category = catalog.get(row.item_id)?.category;
      if (!category) continue;
      const set = shoppers.get(category) ?? new Set();
      set.add(row.shopper_device_id);
      shoppers.set(category, set);
    }
    const topCategories = [...shoppers]
      .map(([category, set]) => ({ category, shoppers: set.size }))
      .filter((c) => c.shoppers >= k)
      .sort((a, b) => b.shoppers - a.shoppers || a.category.localeCompare(b.category));
    return { k, zones, topCategories, windowMs: deps.insightsWindowMs, at };
  }
}
export type StaffService = ReturnType<typeof createStaffService>;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
