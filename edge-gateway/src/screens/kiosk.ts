/**
 * Shopper sessions at the kiosk (issue #6, part 1): a shopper identifies with a loyalty card (QR or NFC), a phone
 * number, or not at all; the kiosk's cards are then theirs until the session ends. Views at an anonymous kiosk are
 * remembered for the session only, in memory. An identified shopper can send the online-cart items in stock here to
 * a till, to pay in store.
 */
import { createHash, randomInt } from 'node:crypto';
import {
  type CustomerProfile,
  type EndSessionRequest,
  type HandoverResult,
  type Identifier,
  type IdentifyRequest,
  type IdentifyResult,
  type KioskSession,
  type MyDataLink,
  type MyDataLinkResult,
  type PersonalizationRequest,
  type PersonalizationResult,
  PosHandover,
  type PosPurchase,
  type PurchaseLine,
  phoneDigits,
  type RecommendationsPush,
  type SimpleResult,
  topics,
  type ViewItemRequest,
} from '@aisle/contracts';
import { shopperRef } from '../decide/decide';
import type { ScreenContext } from '../realtime/types';
import type { ShopperSession } from '../shoppers/memory';
import { cartHere, pushTo, type ScreenServicesContext, screensIn } from './context';
import { lookedAt } from './text';

export interface KioskDeps extends ScreenServicesContext {
  /** Tills to hand a cart over to, online ones first. */
  tills: () => readonly string[];
  /** Publishes on the store's broker with QoS 1. */
  publish: (topic: string, payload: string) => void;
  /** A customer identified at a kiosk (for staff alerts). */
  onIdentified?: (session: KioskShopper) => void;
  /**
   * Asks the cloud for a customer this store does not cache (a shopper from another city): the profile, which the
   * store then caches, or undefined (unknown, or the cloud unreachable).
   */
  lookup?: (identifier: Identifier) => Promise<CustomerProfile | undefined>;
  /** Asks the cloud for a personal "my data" link for a customer (throws when the cloud cannot be reached). */
  myDataLink?: (customerId: string) => Promise<MyDataLink>;
}

/** A shopper's session at one kiosk. */
export interface KioskShopper {
  sessionId: string;
  kioskId: string;
  zoneId: string;
  /** This session's memory: views as touches; never in `ShopperMemory`, never on disk. */
  shopper: ShopperSession;
  customerId: string | undefined;
  startedAt: number;
}

const MAX_VIEWS = 30;
/** Fewest cards a kiosk shows a shopper in a session. */
const MIN_CARDS = 3;
/** How many of the items a shopper last opened shape the next cards. */
const LOOKING_AT = 2;

export function createKioskService(deps: KioskDeps) {
  const { catalog, profiles, sender, now } = deps;
  const sessions = new Map<string, KioskShopper>(); // kiosk id → its session
  const decisions = new Map<string, number>(); // kiosk id → latest decision under way (an older one must not land)

  const stmts = {
    insert: deps.db.prepare<[string, string, string, string, string | null, string, number]>(
      `INSERT INTO handovers (handover_id, screen_id, terminal_id, code, customer_id, lines, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    find: deps.db.prepare<[string], { screen_id: string; terminal_id: string; paid_at: number | null }>(
      'SELECT screen_id, terminal_id, paid_at FROM handovers WHERE handover_id = ?',
    ),
    paid: deps.db.prepare<[number, string]>(
      'UPDATE handovers SET paid_at = ? WHERE handover_id = ? AND paid_at IS NULL',
    ),
  };

  function profileOf(s: KioskShopper): CustomerProfile | undefined {
    return s.customerId ? profiles.get(s.customerId) : undefined;
  }

  function describe(s: KioskShopper): KioskSession {
    const profile = profileOf(s);
    return {
      sessionId: s.sessionId,
      customer: s.customerId
        ? {
            ref: shopperRef(s.shopper.deviceId),
            ...(profile?.firstName && { firstName: profile.firstName }),
            personalized: (profile?.consent.personalization ?? false) && s.shopper.personalization,
          }
        : null,
      onlineCart: profile ? cartHere(profile, catalog, deps.assortment()) : [],
    };
  }

  /** Decides for the kiosk (for its shopper when `s` is given) and pushes the cards to that kiosk only. */
  async function refresh(kioskId: string, zoneId: string, s: KioskShopper | undefined): Promise<void> {
    const seq = (decisions.get(kioskId) ?? 0) + 1;
    decisions.set(kioskId, seq);
    const { push, record } = await deps.decide({
      zoneId,
      screen: 'kiosk',
      trigger: 'zone',
      ...(s && { shopper: { session: s.shopper, profile: profileOf(s) }, anchors: lastViewed(s.shopper) }),
      now: now(),
    });
    if (decisions.get(kioskId) !== seq || sessions.get(kioskId) !== s) return; // superseded, or the session changed
    deps.decisionLog.record(record);
    pushTo(sender, kioskId, s ? explainViews(push, s.shopper) : push);
  }

  /** The last items the shopper opened at this kiosk, newest first: what they are looking at now. */
  function lastViewed(shopper: ShopperSession): string[] {
    const items: string[] = [];
    for (let i = shopper.touches.length - 1; i >= 0 && items.length < LOOKING_AT; i--) {
      const itemId = shopper.touches[i]!.itemId;
      if (!items.includes(itemId)) items.push(itemId);
    }
    return items;
  }

  /**
   * Cards in a category the shopper looked at here say so ("Because you looked at …"); the items they already opened
   * make way for others (they have just seen them), as long as a full screen of cards remains.
   */
  function explainViews(push: RecommendationsPush, shopper: ShopperSession): RecommendationsPush {
    if (!push.personalized || shopper.touches.length === 0) return push;
    const viewed = new Set(shopper.touches.map((t) => t.itemId));
    const unseen = push.items.filter((item) => !viewed.has(item.itemId));
    return {
      ...push,
      items: (unseen.length >= MIN_CARDS ? unseen : push.items).map((item) => {
        if (item.reason.code !== 'because_you_touched') return item;
        const view = shopper.touches.findLast(
          (t) => t.itemId !== item.itemId && catalog.get(t.itemId)?.category === item.category,
        );
        const anchor = view && catalog.get(view.itemId);
        return anchor ? { ...item, reason: { code: 'similar_item' as const, text: lookedAt(anchor) } } : item;
      }),
    };
  }

  function start(ctx: ScreenContext, zoneId: string, customerId: string | undefined): KioskShopper {
    const at = now();
    const sessionId = deps.newId();
    const s: KioskShopper = {
      sessionId,
      kioskId: ctx.screenId,
      zoneId,
      customerId,
      startedAt: at,
      shopper: {
        deviceId: `kiosk-${sessionId}`,
        ...(customerId && { customerId }),
        personalization: true,
        startedAt: at,
        path: [zoneId],
        dwellMs: new Map(),
        zoneId,
        enteredAt: at,
        touches: [],
        holding: new Map(),
        purchased: new Set(),
      },
    };
    forget(ctx.screenId);
    sessions.set(ctx.screenId, s);
    if (customerId) profiles.pin(customerId);
    return s;
  }

  function forget(kioskId: string): KioskShopper | undefined {
    const s = sessions.get(kioskId);
    if (!s) return undefined;
    sessions.delete(kioskId);
    const customerId = s.customerId;
    const stillHere =
      customerId !== undefined &&
      ([...deps.memory.sessions()].some((m) => m.customerId === customerId) ||
        [...sessions.values()].some((o) => o.customerId === customerId));
    if (customerId && !stillHere) profiles.unpin(customerId);
    return s;
  }

  function find(req: IdentifyRequest): CustomerProfile | undefined {
    switch (req.method) {
      case 'qr':
      case 'nfc':
        return profiles.findBy('loyalty', req.code.trim());
      case 'phone': {
        const digits = phoneDigits(req.phone);
        return profiles.findBy('phone', createHash('sha256').update(digits).digest('hex'));
      }
      case 'anonymous':
        return undefined;
    }
  }

  /** A customer the store does not cache, from the cloud (which puts them in this store's scope for a while). */
  async function lookUp(req: Exclude<IdentifyRequest, { method: 'anonymous' }>): Promise<CustomerProfile | undefined> {
    if (!deps.lookup) return undefined;
    const identifier: Identifier =
      req.method === 'phone'
        ? { kind: 'phone', hash: createHash('sha256').update(phoneDigits(req.phone)).digest('hex') }
        : { kind: 'loyalty', value: req.code.trim() };
    const profile = await deps.lookup(identifier);
    if (!profile) return undefined;
    profiles.upsert([profile]);
    // as cached: a newer copy may be there already, and an erased customer's late answer is refused by the cache
    return profiles.peek(profile.customerId);
  }

  function kioskZone(ctx: ScreenContext): string | undefined {
    return ctx.zoneId ?? deps.floorPlan.screens.find((s) => s.id === ctx.screenId)?.zoneId;
  }

  return {
    /** The kiosk's session, if one is active (zone refreshes leave such a kiosk's cards alone). */
    session: (kioskId: string) => sessions.get(kioskId),

    /** Every active session, identified or not. */
    sessions: () => sessions.values(),

    /** Zone cards go to the zone's screens, except kiosks whose shopper's own cards are on them. */
    zonePush(push: RecommendationsPush): void {
      for (const id of screensIn(deps.floorPlan, push.zoneId)) if (!sessions.has(id)) pushTo(sender, id, push);
    },

    async identify(ctx: ScreenContext, req: IdentifyRequest): Promise<IdentifyResult> {
      const zoneId = kioskZone(ctx);
      if (!zoneId)
        return { ok: false, reason: 'invalid', message: `kiosk ${ctx.screenId} has no zone in the floor plan` };
      let customerId: string | undefined;
      if (req.method !== 'anonymous') {
        const profile = find(req) ?? (await lookUp(req));
        if (!profile)
          return {
            ok: false,
            reason: 'unknown',
            message: req.method === 'phone' ? 'no customer has this phone number' : 'no customer has this card',
          };
        customerId = profile.customerId;
      }
      const s = start(ctx, zoneId, customerId);
      await refresh(ctx.screenId, zoneId, s);
      if (customerId) deps.onIdentified?.(s);
      deps.logger.info({ kioskId: ctx.screenId, method: req.method, sessionId: s.sessionId }, 'kiosk session started');
      return { ok: true, session: describe(s) };
    },

    async viewItem(ctx: ScreenContext, req: ViewItemRequest): Promise<SimpleResult> {
      const s = sessions.get(ctx.screenId);
      if (!catalog.has(req.itemId)) return { ok: false, message: `unknown item ${req.itemId}` };
      if (!s) return { ok: true }; // nobody is in a session: nothing to remember
      const touches = s.shopper.touches;
      touches.push({ itemId: req.itemId, zoneId: s.zoneId, action: 'picked_up', at: now() });
      if (touches.length > MAX_VIEWS) touches.splice(0, touches.length - MAX_VIEWS);
      await refresh(ctx.screenId, s.zoneId, s);
      return { ok: true };
    },

    /** The shopper in a session switches personalization for it; the kiosk's cards follow at once. */
    async setPersonalization(ctx: ScreenContext, req: PersonalizationRequest): Promise<PersonalizationResult> {
      const s = sessions.get(ctx.screenId);
      if (!s) return { ok: false, message: 'no session at this kiosk' };
      s.shopper.personalization = req.on;
      await refresh(ctx.screenId, s.zoneId, s);
      const profile = profileOf(s);
      return {
        ok: true,
        personalized: req.on && (profile ? profile.consent.personalization : true),
        shopper: shopperRef(s.shopper.deviceId),
      };
    },

    async endSession(ctx: ScreenContext, req: EndSessionRequest): Promise<SimpleResult> {
      const s = forget(ctx.screenId);
      const zoneId = kioskZone(ctx);
      if (s)
        deps.logger.info({ kioskId: ctx.screenId, reason: req.reason, sessionId: s.sessionId }, 'kiosk session ended');
      if (zoneId) await refresh(ctx.screenId, zoneId, undefined); // the zone's own cards again
      return { ok: true };
    },

    async handover(ctx: ScreenContext): Promise<HandoverResult> {
      const s = sessions.get(ctx.screenId);
      if (!s?.customerId) return { ok: false, message: 'identify first: only a known customer has an online cart' };
      const assortment = deps.assortment();
      const lines: PurchaseLine[] = [];
      for (const item of cartHere(profileOf(s), catalog, assortment)) {
        if (item.inStock <= 0) continue;
        lines.push({ itemId: item.itemId, quantity: Math.min(item.quantity, item.inStock), unitPrice: item.price });
      }
      if (lines.length === 0) return { ok: false, message: 'no online-cart item is in stock here' };
      const terminalId = deps.tills()[0];
      if (!terminalId) return { ok: false, message: 'no checkout is online' };
      const product = catalog.get(lines[0]!.itemId)!;
      const handover = PosHandover.parse({
        handoverId: deps.newId(),
        storeId: deps.storeId,
        terminalId,
        code: String(randomInt(0, 10_000)).padStart(4, '0'),
        customerId: s.customerId,
        lines,
        currency: product.currency,
        ts: now(),
      });
      stmts.insert.run(
        handover.handoverId,
        ctx.screenId,
        terminalId,
        handover.code,
        s.customerId,
        JSON.stringify(lines),
        handover.ts,
      );
      deps.publish(topics.posHandover(deps.storeId, terminalId), JSON.stringify(handover));
      deps.logger.info({ kioskId: ctx.screenId, terminalId, handoverId: handover.handoverId }, 'cart handed over');
      return { ok: true, handoverId: handover.handoverId, terminalId, code: handover.code, lines: lines.length };
    },

    /**
     * The customer was erased: their sessions end here and now, and those kiosks get the zone's own, non-personal
     * cards (which also replace what the screen showed them). Returns the kiosks whose session ended.
     */
    async forgetCustomer(customerId: string): Promise<string[]> {
      const ended = [...sessions.values()].filter((s) => s.customerId === customerId);
      for (const s of ended) forget(s.kioskId);
      await Promise.all(ended.map((s) => refresh(s.kioskId, s.zoneId, undefined)));
      return ended.map((s) => s.kioskId);
    },

    /**
     * The identified shopper asks to see and manage their data: a personal link from the cloud, for the kiosk to
     * show as a QR code. Offline (or without a cloud) the shopper hears it is not available right now.
     */
    async myDataLink(ctx: ScreenContext): Promise<MyDataLinkResult> {
      const s = sessions.get(ctx.screenId);
      if (!s?.customerId) return { ok: false, reason: 'noSession', message: 'identify first' };
      if (!deps.myDataLink) return { ok: false, reason: 'unavailable', message: 'no cloud is configured' };
      try {
        const link = await deps.myDataLink(s.customerId);
        // the shopper may have left while the cloud answered: the link must not reach the next one
        if (sessions.get(ctx.screenId) !== s) return { ok: false, reason: 'noSession', message: 'the session ended' };
        return { ok: true, url: link.url, expiresAt: link.expiresAt };
      } catch (err) {
        // not the error's message: a cloud error names the request path, and this one holds the customer id
        const { name, status } = err as { name?: string; status?: number };
        deps.logger.warn({ kioskId: ctx.screenId, error: name, status }, 'cannot get a my-data link');
        return { ok: false, reason: 'unavailable', message: 'the cloud cannot be reached right now' };
      }
    },

    /** A sale at a till: when it paid a handed-over cart, the kiosk that handed it over hears so. */
    purchased(p: PosPurchase, at: number): void {
      if (!p.handoverId) return;
      const row = stmts.find.get(p.handoverId);
      if (!row || row.paid_at !== null) return;
      stmts.paid.run(at, p.handoverId);
      const s = sessions.get(row.screen_id);
      if (s) for (const l of p.lines) s.shopper.purchased.add(l.itemId);
      sender.send({ screen: row.screen_id }, 'handoverStatus', {
        handoverId: p.handoverId,
        terminalId: p.terminalId,
        status: 'paid',
        at,
      });
    },
  };
}
export type KioskService = ReturnType<typeof createKioskService>;
