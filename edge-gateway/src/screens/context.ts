import type { CartItemHere, CustomerProfile, FloorPlan, Product, RecommendationsPush, Zone } from '@aisle/contracts';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Assortment } from '../decide/assortment';
import type { Decide } from '../decide/decide';
import type { DecisionLog } from '../decide/log';
import type { ProfileCache } from '../profiles/cache';
import type { ScreenSender } from '../realtime/types';
import type { ShopperMemory } from '../shoppers/memory';

/** What the screen services share: the store, its stock, its shoppers, the decision pipeline, the way to screens. */
export interface ScreenServicesContext {
  storeId: string;
  floorPlan: FloorPlan;
  zones: ReadonlyMap<string, Zone>;
  catalog: ReadonlyMap<string, Product>;
  assortment: () => Assortment;
  profiles: ProfileCache;
  memory: ShopperMemory;
  decide: Decide;
  decisionLog: Pick<DecisionLog, 'record'>;
  sender: ScreenSender;
  /** The gateway's SQLite (handovers, visits, interactions). */
  db: Database.Database;
  logger: Logger;
  now: () => number;
  newId: () => string;
}

/** The screens of a zone that show cards (kiosks and mirrors). */
export function screensIn(plan: FloorPlan, zoneId: string, kind?: 'kiosk' | 'mirror'): string[] {
  return plan.screens
    .filter((s) => s.zoneId === zoneId && s.kind !== 'staff' && (!kind || s.kind === kind))
    .map((s) => s.id);
}

/** A customer's online cart as this store has it: names and prices from the catalog, stock and aisle from here. */
export function cartHere(
  profile: CustomerProfile | undefined,
  catalog: ReadonlyMap<string, Product>,
  assortment: Assortment,
): CartItemHere[] {
  const lines: CartItemHere[] = [];
  for (const line of profile?.onlineCart ?? []) {
    const product = catalog.get(line.itemId);
    if (!product) continue; // not sold here at all
    const onHand = assortment.onHand(line.itemId);
    const aisle = assortment.aisle(line.itemId);
    lines.push({
      itemId: product.id,
      name: product.name,
      price: product.price,
      currency: product.currency,
      quantity: line.quantity,
      // unknown stock counts as available, as everywhere else: one unit is the honest minimum
      inStock: Number.isFinite(onHand) ? onHand : line.quantity,
      ...(aisle && { aisle }),
    });
  }
  return lines;
}

/** Cards pushed to one screen only. */
export function pushTo(sender: ScreenSender, screenId: string, push: RecommendationsPush): void {
  sender.send({ screen: screenId }, 'recommendations', push);
}
