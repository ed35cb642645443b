import type { CustomerProfile } from '@aisle/contracts';
import type { HistoryEntry } from '@aisle/recsys/serve';

export type TouchAction = 'picked_up' | 'put_back' | 'moved' | 'tried_on';

export interface Touch {
  itemId: string;
  zoneId: string;
  action: TouchAction;
  at: number;
}

/**
 * A shopper's short-term memory while they are in the store: where they went, what they handled, what they bought.
 * It lives in memory only and is forgotten when they leave — an unidentified shopper's whole profile is this.
 */
export interface ShopperSession {
  deviceId: string;
  /** Set when an app sighting, a loyalty scan or a purchase tied the device to a customer. */
  customerId?: string;
  /** False when the shopper switched personalization off on a screen. */
  personalization: boolean;
  startedAt: number;
  /** Zones in the order visited, the current one last. */
  path: string[];
  dwellMs: Map<string, number>;
  zoneId?: string;
  enteredAt?: number;
  /** Newest last, bounded. */
  touches: Touch[];
  /** Items in hand: item → when picked up. */
  holding: Map<string, number>;
  purchased: Set<string>;
}

/** Interest each kind of signal shows, as the history models weigh them (models/scorer.ts). */
const WEIGHTS = { purchase: 1, cart: 0.5, tried_on: 0.4, picked_up: 0.3, put_back: 0.3, moved: 0.1 } as const;

export class ShopperMemory {
  readonly #sessions = new Map<string, ShopperSession>();

  constructor(private readonly opts: { maxTouches?: number; maxHistory?: number } = {}) {}

  get size(): number {
    return this.#sessions.size;
  }

  get(deviceId: string): ShopperSession | undefined {
    return this.#sessions.get(deviceId);
  }

  sessions(): IterableIterator<ShopperSession> {
    return this.#sessions.values();
  }

  ensure(deviceId: string, at: number): ShopperSession {
    let s = this.#sessions.get(deviceId);
    if (!s) {
      s = {
        deviceId,
        personalization: true,
        startedAt: at,
        path: [],
        dwellMs: new Map(),
        touches: [],
        holding: new Map(),
        purchased: new Set(),
      };
      this.#sessions.set(deviceId, s);
    }
    return s;
  }

  enterZone(deviceId: string, zoneId: string, at: number): ShopperSession {
    const s = this.ensure(deviceId, at);
    s.zoneId = zoneId;
    s.enteredAt = at;
    if (s.path.at(-1) !== zoneId) s.path.push(zoneId);
    return s;
  }

  leaveZone(deviceId: string, zoneId: string, at: number): void {
    const s = this.#sessions.get(deviceId);
    if (!s || s.zoneId !== zoneId) return;
    s.dwellMs.set(zoneId, (s.dwellMs.get(zoneId) ?? 0) + Math.max(0, at - (s.enteredAt ?? at)));
    s.zoneId = undefined;
    s.enteredAt = undefined;
  }

  /** The shopper left the store: their session is forgotten. Returns it one last time. */
  leaveStore(deviceId: string): ShopperSession | undefined {
    const s = this.#sessions.get(deviceId);
    this.#sessions.delete(deviceId);
    return s;
  }

  /**
   * Records a product handled (`touch.at` on the gateway's clock). For a put-back of an item the shopper picked up,
   * returns how long they held it, measured on `deviceTs`, the clock of the shelf that saw both (default `at`).
   */
  touch(deviceId: string, touch: Touch, deviceTs = touch.at): { heldMs?: number } {
    const s = this.ensure(deviceId, touch.at);
    s.touches.push(touch);
    const max = this.opts.maxTouches ?? 50;
    if (s.touches.length > max) s.touches.splice(0, s.touches.length - max);
    if (touch.action === 'picked_up') {
      s.holding.set(touch.itemId, deviceTs);
      return {};
    }
    if (touch.action === 'put_back') {
      const since = s.holding.get(touch.itemId);
      s.holding.delete(touch.itemId);
      return since === undefined ? {} : { heldMs: Math.max(0, deviceTs - since) };
    }
    return {};
  }

  purchased(deviceId: string, itemIds: readonly string[], at: number): void {
    const s = this.ensure(deviceId, at);
    for (const id of itemIds) {
      s.purchased.add(id);
      s.holding.delete(id);
    }
  }

  /**
   * The customer was erased: the sessions identified as them or on their devices are forgotten whole (their path,
   * touches and purchases were theirs). A device still in the store starts over as an anonymous shopper. Returns
   * the sessions forgotten.
   */
  forgetCustomer(customerId: string, deviceIds: readonly string[] = []): ShopperSession[] {
    const devices = new Set(deviceIds);
    const gone = [...this.#sessions.values()].filter((s) => s.customerId === customerId || devices.has(s.deviceId));
    for (const s of gone) this.#sessions.delete(s.deviceId);
    return gone;
  }

  identify(deviceId: string, customerId: string, at: number): ShopperSession {
    const s = this.ensure(deviceId, at);
    s.customerId = customerId;
    return s;
  }
}

/**
 * What the history models read: the long-term profile (purchases online and in stores, the online cart) and this
 * visit (touches, purchases), oldest first, each with the weight of its kind and its age in steps from the end.
 */
export function historyOf(
  session: ShopperSession | undefined,
  profile: CustomerProfile | undefined,
  maxEntries = 50,
): HistoryEntry[] {
  const events: { item: string; weight: number; at: number }[] = [];
  for (const p of profile?.recentPurchases ?? []) events.push({ item: p.itemId, weight: WEIGHTS.purchase, at: p.at });
  for (const c of profile?.onlineCart ?? []) events.push({ item: c.itemId, weight: WEIGHTS.cart, at: c.addedAt });
  for (const t of session?.touches ?? []) events.push({ item: t.itemId, weight: WEIGHTS[t.action], at: t.at });
  for (const id of session?.purchased ?? [])
    events.push({ item: id, weight: WEIGHTS.purchase, at: Number.MAX_SAFE_INTEGER });
  events.sort((a, b) => a.at - b.at);
  const kept = events.slice(-maxEntries);
  return kept.map((e, i) => ({ item: e.item, weight: e.weight, age: kept.length - 1 - i }));
}

/** Items the shopper bought within `withinMs` of `now`, online, in any store, or on this visit. */
export function recentlyBought(
  session: ShopperSession | undefined,
  profile: CustomerProfile | undefined,
  now: number,
  withinMs: number,
): Set<string> {
  const items = new Set(session?.purchased ?? []);
  for (const p of profile?.recentPurchases ?? []) if (now - p.at <= withinMs) items.add(p.itemId);
  return items;
}
