/**
 * The requests `bench:recommend` sends through the decision pipeline: a seeded mix of shoppers, zones and triggers
 * that reads like a busy store's screens. Each request says who is in front of the screen and what they did on this
 * visit; recommend.ts builds the ShopperSession from it (outside the timed section, as ingest would have) and then
 * times the decision.
 */
import type { DecisionTrigger, Product, ScreenKind, Zone } from '@aisle/contracts';
import { createRng } from '@aisle/recsys';
import type { TouchAction } from '../src/shoppers/memory';
import { anonymousDevice, deviceCount, PROFILES, profileDevice, SIZES } from './recommend-world';

export type ShopperKind = 'identified' | 'anonymous' | 'none';

export interface PlannedTouch {
  itemId: string;
  zoneId: string;
  action: TouchAction;
  /** How long before the decision. */
  agoMs: number;
}

export interface PlannedRequest {
  /** identified: an app pseudonym of one of the 100k cached profiles; anonymous: a phone the store cannot name. */
  shopper: ShopperKind;
  deviceId?: string;
  zoneId: string;
  screen: ScreenKind;
  /** Zones walked through before this one, oldest first. */
  path: string[];
  touches: PlannedTouch[];
  /** False: the shopper switched personalization off on a screen. */
  personalization: boolean;
  /** online_cart_in_stock takes its anchors from the profile when the request runs (the gateway's cartInStock). */
  trigger: DecisionTrigger;
  anchors?: string[];
  size?: string;
}

/** Shares of the mix (the rest of the shoppers get the trigger `zone`). */
export const MIX = {
  identified: 0.45,
  anonymous: 0.4,
  /** A screen refreshed for its zone with nobody in front of it. */
  none: 0.15,
  personalizationOff: 0.08,
  fittingRoom: 0.06,
  putBack: 0.1,
  lingering: 0.08,
  sizeUnavailable: 0.05,
  /** Of identified shoppers. */
  onlineCart: 0.15,
} as const;

export function planRequests(
  n: number,
  seed: number,
  zones: readonly Zone[],
  byCategory: ReadonlyMap<string, readonly Product[]>,
): PlannedRequest[] {
  const rand = createRng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const shelving = zones.filter((z) => z.categories.length > 0);
  const fitting = zones.find((z) => z.categories.length === 0);
  const sized = (z: Zone) =>
    z.categories.some((c) => byCategory.get(c)?.some((p) => SIZES.includes(p.attributes.size ?? '')));
  const apparelZones = shelving.filter(sized);
  const itemIn = (z: Zone) => pick(byCategory.get(pick(z.categories))!);
  let anonymous = 0;
  const out: PlannedRequest[] = [];
  for (let r = 0; r < n; r++) {
    const u = rand();
    const shopper: ShopperKind =
      u < MIX.identified ? 'identified' : u < MIX.identified + MIX.anonymous ? 'anonymous' : 'none';
    if (shopper === 'none') {
      out.push({
        shopper,
        zoneId: pick(shelving).id,
        screen: 'kiosk',
        path: [],
        touches: [],
        personalization: true,
        trigger: 'zone',
      });
      continue;
    }
    let deviceId: string;
    if (shopper === 'identified') {
      const i = Math.floor(rand() * PROFILES);
      deviceId = profileDevice(i, Math.floor(rand() * deviceCount(i)));
    } else deviceId = anonymousDevice(anonymous++);
    const inFitting = fitting !== undefined && rand() < MIX.fittingRoom;
    const zone = inFitting ? fitting : pick(shelving);
    // where they came from: 0–3 other zones; in the fitting room, an apparel zone just before
    const path = Array.from({ length: Math.floor(rand() * 4) }, () => pick(shelving).id).filter((z) => z !== zone.id);
    if (inFitting) path.push(pick(apparelZones).id);
    const touchZone = inFitting ? zones.find((z) => z.id === path.at(-1))! : zone;
    const touches: PlannedTouch[] = Array.from({ length: Math.floor(rand() * 7) }, (_, t) => {
      const a = rand();
      const action: TouchAction = inFitting
        ? 'tried_on'
        : a < 0.6
          ? 'picked_up'
          : a < 0.8
            ? 'put_back'
            : a < 0.9
              ? 'tried_on'
              : 'moved';
      return { itemId: itemIn(touchZone).id, zoneId: zone.id, action, agoMs: 40_000 - t * 5_000 };
    });
    const personalization = rand() >= MIX.personalizationOff;
    const base = { shopper, deviceId, zoneId: zone.id, path, touches, personalization };
    const t = rand();
    if (t < MIX.sizeUnavailable && (inFitting || apparelZones.includes(zone))) {
      // the mirror (or a kiosk) asked for a size this style does not have here
      const anchor = itemIn(inFitting ? touchZone : zone);
      const sizes = SIZES.filter((s) => s !== anchor.attributes.size);
      out.push({
        ...base,
        screen: inFitting ? 'mirror' : 'kiosk',
        trigger: 'size_unavailable',
        anchors: [anchor.id],
        size: pick(sizes),
      });
      continue;
    }
    const screen: ScreenKind = inFitting ? 'mirror' : 'kiosk';
    if (personalization && t < MIX.sizeUnavailable + MIX.putBack) {
      // a long touch: the item they held and put back
      const anchor = itemIn(touchZone).id;
      touches.push({ itemId: anchor, zoneId: zone.id, action: 'picked_up', agoMs: 12_000 });
      touches.push({ itemId: anchor, zoneId: zone.id, action: 'put_back', agoMs: 2_000 });
      out.push({ ...base, screen, trigger: 'put_back', anchors: [anchor] });
      continue;
    }
    if (personalization && t < MIX.sizeUnavailable + MIX.putBack + MIX.lingering) {
      // lingering: the items handled here, newest first, up to three (the gateway's lingering())
      if (!touches.some((x) => x.action !== 'put_back'))
        touches.push({ itemId: itemIn(touchZone).id, zoneId: zone.id, action: 'picked_up', agoMs: 8_000 });
      const handled = touches
        .filter((x) => x.action !== 'put_back')
        .map((x) => x.itemId)
        .reverse();
      out.push({ ...base, screen, trigger: 'lingering', anchors: [...new Set(handled)].slice(0, 3) });
      continue;
    }
    if (shopper === 'identified' && personalization && rand() < MIX.onlineCart) {
      out.push({ ...base, screen, trigger: 'online_cart_in_stock' });
      continue;
    }
    out.push({ ...base, screen, trigger: 'zone' });
  }
  return out;
}
