/**
 * What the gateway decides and pushes to screens, and when: a zone's screens get new cards when its shoppers
 * change; events about one shopper (a product put back, a size asked for, a cart, lingering) trigger cards of
 * their own, held on the screen for a while. Every decision is timed, counted and logged here.
 */
import type {
  CustomerProfile,
  DecisionTrigger,
  PersonalizationRequest,
  PersonalizationResult,
  PosPurchase,
  Product,
  RecommendationsPush,
  ScreenKind,
  SizeRequest,
  SizeRequestResult,
} from '@aisle/contracts';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import type { Metrics } from '../metrics';
import type { PresenceEngine } from '../presence/engine';
import type { ProfileCache } from '../profiles/cache';
import type { ShopperMemory, TouchAction } from '../shoppers/memory';
import type { Assortment } from './assortment';
import { type Decide, isPersonal, shopperRef } from './decide';
import type { DecisionLog } from './log';

export interface DecisionFeedOptions {
  decide: Decide;
  decisionLog: DecisionLog;
  memory: ShopperMemory;
  profiles: ProfileCache;
  presence: PresenceEngine;
  catalog: ReadonlyMap<string, Product>;
  assortment: () => Assortment;
  /** The kind of screen each zone has (the first one listed in the floor plan). */
  screenKinds: ReadonlyMap<string, ScreenKind>;
  triggers: GatewayConfig['triggers'];
  metrics: Pick<Metrics, 'decisions' | 'decisionsMade' | 'decisionErrors'>;
  logger: Logger;
  now: () => number;
  /** Sends cards to the screens of their zone. */
  push: (msg: RecommendationsPush) => void;
}

type TriggerExtra = { anchors?: string[]; size?: string };

export function createDecisionFeed(opts: DecisionFeedOptions) {
  const { memory, profiles, presence, catalog, decisionLog, metrics, now } = opts;
  const lastPush = new Map<string, RecommendationsPush>();
  const requestSeq = new Map<string, number>();
  /** Zones whose screens show a trigger's cards, and until when zone refreshes leave them there. */
  const heldUntil = new Map<string, number>();

  /**
   * The shopper's session, with their cached profile when identified. With personalization off (the shopper's switch
   * or their consent) the profile is only peeked at, for its consent: not loaded into memory, not marked used, and
   * the decision that gets it ranks without it (isPersonal).
   */
  function shopperOf(deviceId: string | undefined) {
    const session = deviceId ? memory.get(deviceId) : undefined;
    if (!session) return undefined;
    if (!session.customerId) return { session, profile: undefined };
    const peeked = profiles.peek(session.customerId);
    if (!session.personalization || !peeked?.consent.personalization) return { session, profile: peeked };
    return { session, profile: profiles.get(session.customerId) };
  }

  /** Decides, logs the decision and returns what the zone's screens should show; undefined if it failed. */
  async function decideFor(
    zoneId: string,
    trigger: DecisionTrigger,
    deviceId: string | undefined,
    extra: TriggerExtra = {},
  ): Promise<RecommendationsPush | undefined> {
    const end = metrics.decisions.startTimer();
    try {
      const { push, record } = await opts.decide({
        zoneId,
        screen: opts.screenKinds.get(zoneId),
        trigger,
        shopper: shopperOf(deviceId),
        ...extra,
        now: now(),
      });
      end();
      decisionLog.record(record);
      metrics.decisionsMade.inc({ trigger, personalized: String(push.personalized) });
      return push;
    } catch (err) {
      metrics.decisionErrors.inc();
      opts.logger.error({ err, zoneId, trigger }, 'decision failed');
      return undefined;
    }
  }

  /** An event about one shopper: decide for them and push it to the screens of their zone. */
  async function trigger(
    zoneId: string,
    kind: Exclude<DecisionTrigger, 'zone'>,
    deviceId: string | undefined,
    extra: TriggerExtra = {},
  ): Promise<void> {
    const push = await decideFor(zoneId, kind, deviceId, extra);
    if (!push || push.items.length === 0) return;
    requestSeq.set(zoneId, (requestSeq.get(zoneId) ?? 0) + 1); // a zone refresh under way must not overwrite it
    heldUntil.set(zoneId, now() + opts.triggers.holdMs); // nor one that comes soon after
    lastPush.set(zoneId, push);
    opts.push(push);
    opts.logger.info({ zoneId, trigger: kind, items: push.items.length, decisionId: push.decisionId }, 'trigger');
  }

  /** Triggers that use what a shopper did need them to allow personalization. */
  function personal(deviceId: string): boolean {
    const shopper = shopperOf(deviceId);
    return shopper !== undefined && isPersonal(shopper);
  }

  /** The online-cart items of an identified shopper that this store has in stock. */
  function cartInStock(profile: CustomerProfile | undefined, except: ReadonlySet<string> = new Set()): string[] {
    const assortment = opts.assortment();
    return (profile?.onlineCart ?? [])
      .map((l) => l.itemId)
      .filter((id) => !except.has(id) && catalog.has(id) && assortment.inStock(id));
  }

  /** New cards for a zone's screens, unless a trigger's cards are still held there. */
  async function refreshZone(zoneId: string): Promise<void> {
    if (now() < (heldUntil.get(zoneId) ?? 0)) return; // a trigger's cards are still on the screen
    const seq = (requestSeq.get(zoneId) ?? 0) + 1;
    requestSeq.set(zoneId, seq);
    const push = await decideFor(zoneId, 'zone', presence.newestIn(zoneId)?.deviceId);
    if (!push || requestSeq.get(zoneId) !== seq) return; // failed, or a newer decision for this zone is on its way
    lastPush.set(zoneId, push);
    opts.push(push);
  }

  /** A shopper walked in: a shopper-app pseudonym identifies a customer, whose online cart may be in stock here. */
  function arrived(deviceId: string, zoneId: string): void {
    const profile = profiles.byDevice(deviceId);
    if (!profile) return;
    memory.identify(deviceId, profile.customerId, now());
    profiles.pin(profile.customerId);
    const items = personal(deviceId) ? cartInStock(profile) : [];
    if (items.length > 0) void trigger(zoneId, 'online_cart_in_stock', deviceId, { anchors: items });
  }

  return {
    /** The cards a zone's screens show now (for a screen that just connected). */
    lastPush: (zoneId: string) => lastPush.get(zoneId),

    refreshZone,

    arrived,

    /** A shopper left the store: their session is forgotten and their profile no longer pinned. */
    left(deviceId: string): void {
      const session = memory.leaveStore(deviceId);
      if (session?.customerId) profiles.unpin(session.customerId);
    },

    /**
     * A shopper handled a product. `ts` is the device's clock (how long an item was held is measured on it), `at`
     * the gateway's.
     */
    touched(deviceId: string, zoneId: string, itemId: string, action: TouchAction, ts: number, at: number): void {
      const { heldMs } = memory.touch(deviceId, { itemId, zoneId, action, at }, ts);
      if (action === 'picked_up' || action === 'tried_on') decisionLog.outcome(deviceId, itemId, at);
      if (heldMs !== undefined && heldMs >= opts.triggers.longTouchMs && personal(deviceId))
        void trigger(zoneId, 'put_back', deviceId, { anchors: [itemId] });
    },

    /** A shopper lingering in a zone after handling products there: what goes with them. */
    lingering(deviceId: string, zoneId: string, since: number): void {
      const session = memory.get(deviceId);
      if (!session || !personal(deviceId)) return;
      // the items handled here on this visit, newest first, except those whose last touch put them back
      const last = new Map<string, TouchAction>();
      for (const t of session.touches) if (t.zoneId === zoneId && t.at >= since) last.set(t.itemId, t.action);
      const anchors = [...last]
        .filter(([, action]) => action !== 'put_back')
        .map(([itemId]) => itemId)
        .reverse()
        .slice(0, 3);
      if (anchors.length > 0) void trigger(zoneId, 'lingering', deviceId, { anchors });
    },

    /** A sale at a till: the stock goes down, a shopper it names is identified, shown items earn their reward. */
    purchased(p: PosPurchase, at: number): void {
      const assortment = opts.assortment();
      for (const l of p.lines) assortment.sold(l.itemId, l.quantity);
      // a till names the shopper's device, or only the customer (a kiosk hand-over paid at the till): then it is the
      // device of that customer's visit, so what they bought is not offered to them again (nor missed from their cart)
      const deviceId =
        p.shopperDeviceId ??
        (p.customerId ? [...memory.sessions()].find((s) => s.customerId === p.customerId)?.deviceId : undefined);
      if (!deviceId) return;
      if (p.customerId) {
        memory.identify(deviceId, p.customerId, at);
        profiles.pin(p.customerId);
      }
      memory.purchased(
        deviceId,
        p.lines.map((l) => l.itemId),
        at,
      );
      for (const l of p.lines) decisionLog.outcome(deviceId, l.itemId, at);
    },

    /** A profile changed in the cloud: if that customer is in the store, react to their online cart. */
    onProfile(profile: CustomerProfile, previous: CustomerProfile | undefined): void {
      const session = [...memory.sessions()].find((s) => s.customerId === profile.customerId);
      if (!session) {
        // a shopper whose app was heard before their profile reached this store is identified now
        const app = profile.appDevices.map((d) => memory.get(d)).find((s) => s?.zoneId && !s.customerId);
        if (app?.zoneId) arrived(app.deviceId, app.zoneId);
        return;
      }
      if (!session.zoneId || !personal(session.deviceId)) return;
      const before = new Set(previous?.onlineCart.map((l) => l.itemId) ?? []);
      if (before.size > 0 && profile.onlineCart.length === 0) {
        const removed = [...before].filter((id) => !session.purchased.has(id));
        if (removed.length > 0) void trigger(session.zoneId, 'cart_emptied', session.deviceId, { anchors: removed });
        return;
      }
      const added = cartInStock(profile, before);
      if (added.length > 0) void trigger(session.zoneId, 'online_cart_in_stock', session.deviceId, { anchors: added });
    },

    /**
     * The shopper in front of a zone's screen switches personalization for their visit. Off takes effect at once:
     * the zone gets non-personal cards, replacing a trigger's held ones, and the shopper no personal triggers.
     */
    async setPersonalization(zoneId: string, req: PersonalizationRequest): Promise<PersonalizationResult> {
      const deviceId = presence.newestIn(zoneId)?.deviceId;
      const session = deviceId ? memory.get(deviceId) : undefined;
      if (!session) return { ok: false, message: 'nobody is in front of this screen' };
      session.personalization = req.on;
      heldUntil.delete(zoneId);
      await refreshZone(zoneId);
      return { ok: true, personalized: personal(session.deviceId), shopper: shopperRef(session.deviceId) };
    },

    /** A mirror asks for another size: the variant if it is here, else nearest sizes and similar items pushed. */
    async sizeRequest(zoneId: string, req: SizeRequest): Promise<SizeRequestResult> {
      if (!catalog.has(req.itemId)) return { ok: false, message: `unknown item ${req.itemId}` };
      const assortment = opts.assortment();
      const variant = assortment.variant(req.itemId, req.size);
      if (variant && assortment.inStock(variant.id)) return { ok: true, inStock: true, variantId: variant.id };
      await trigger(zoneId, 'size_unavailable', presence.newestIn(zoneId)?.deviceId, {
        anchors: [req.itemId],
        size: req.size,
      });
      return { ok: true, inStock: false, ...(variant && { variantId: variant.id }) };
    },
  };
}
export type DecisionFeed = ReturnType<typeof createDecisionFeed>;
