import {
  type BeaconSighting,
  type FloorPlan,
  type PosPurchase,
  type Product,
  type ProductInteraction,
  type RfidRead,
  type SensorReading,
  type StoreAssortment,
  topics,
} from '@aisle/contracts';
import { demoAssortment } from './assortment';
import { APPAREL_CATEGORIES } from './catalog';
import { createRng, gaussian, pick, type Rng, shortId } from './random';

export type Publish = (
  topic: string,
  payload: BeaconSighting | ProductInteraction | PosPurchase | RfidRead | SensorReading,
) => void;

export interface SimulationOptions {
  plan: FloorPlan;
  catalog: readonly Product[];
  publish: Publish;
  /** Shoppers in the store at once. */
  shoppers?: number;
  /** How long a shopper stays in a zone, ms. */
  dwellMs?: readonly [min: number, max: number];
  seed?: number;
  terminalId?: string;
  /** What the store has on hand: shoppers try on only garments it has (default: the demo store's `demoAssortment`). */
  stock?: StoreAssortment;
}

interface Shopper {
  deviceId: string;
  route: string[];
  step: number;
  moveAt: number;
  basket: Product[];
}

const clampRssi = (x: number) => Math.max(-100, Math.min(-30, Math.round(x)));

/**
 * Shoppers walking the demo store: each phone is heard by the scanner of its zone (strong)
 * and now and then by another (weak); shoppers pick products up and pay at the till on the
 * way out. Call `tick(now)` about once a second.
 */
export class ShopperSimulation {
  private readonly rng: Rng;
  private readonly active: Shopper[] = [];
  private readonly scannerOf: Map<string, string>;
  private readonly shelved: Map<string, Product[]>;
  /** Garments on the store's rails: apparel it has on hand. */
  private readonly garments: Product[];
  readonly stats = { sightings: 0, interactions: 0, purchases: 0, rfidReads: 0, footfall: 0, shoppersServed: 0 };

  constructor(private readonly opts: SimulationOptions) {
    this.rng = createRng(opts.seed ?? Date.now());
    this.scannerOf = new Map(opts.plan.scanners.map((s) => [s.zoneId, s.id]));
    this.shelved = new Map(
      opts.plan.zones.map((z) => [z.id, opts.catalog.filter((p) => z.categories.includes(p.category))]),
    );
    const stock = opts.stock ?? demoAssortment(opts.plan, opts.catalog);
    const onHand = new Map(stock.stock.map((s) => [s.itemId, s.onHand]));
    this.garments = opts.catalog.filter((p) => APPAREL_CATEGORIES.includes(p.category) && (onHand.get(p.id) ?? 0) > 0);
  }

  get shoppersInStore(): number {
    return this.active.length;
  }

  tick(now: number): void {
    const target = this.opts.shoppers ?? 8;
    // arrivals are staggered: at most one new shopper per tick
    if (this.active.length < target) {
      this.active.push(this.arrive(now));
      this.footfall('footfall_in', now);
    }
    for (const s of [...this.active]) {
      if (now >= s.moveAt) {
        s.step++;
        s.moveAt = now + this.dwell();
        if (s.step >= s.route.length) {
          this.leave(s, now);
          continue;
        }
      }
      this.hear(s, now);
      this.browse(s, now);
    }
  }

  private arrive(now: number): Shopper {
    const zones = this.opts.plan.zones.map((z) => z.id);
    const kioskZones = this.opts.plan.screens.flatMap((s) => (s.kind === 'kiosk' && s.zoneId ? [s.zoneId] : []));
    const length = 3 + Math.floor(this.rng() * 3);
    const route: string[] = [];
    while (route.length < length) {
      // most shoppers pass a kiosk at some point, so the demo screens are busy
      const next = kioskZones.length > 0 && this.rng() < 0.35 ? pick(this.rng, kioskZones) : pick(this.rng, zones);
      if (next !== route.at(-1)) route.push(next);
    }
    return { deviceId: `shp-${shortId(this.rng, 10)}`, route, step: 0, moveAt: now + this.dwell(), basket: [] };
  }

  private dwell(): number {
    const [min, max] = this.opts.dwellMs ?? [6_000, 14_000];
    return min + this.rng() * (max - min);
  }

  private hear(s: Shopper, now: number): void {
    const zone = s.route[s.step]!;
    this.sighting(s, this.scannerOf.get(zone)!, gaussian(this.rng, -58, 4), now);
    if (this.rng() < 0.5) {
      const other = pick(this.rng, [...this.scannerOf.values()]);
      if (other !== this.scannerOf.get(zone)) this.sighting(s, other, gaussian(this.rng, -84, 4), now);
    }
  }

  private sighting(s: Shopper, scannerId: string, rssi: number, now: number): void {
    const msg: BeaconSighting = {
      eventId: `ble-${shortId(this.rng, 16)}`,
      scannerId,
      deviceId: s.deviceId,
      rssi: clampRssi(rssi),
      txPower: -59,
      ts: now,
    };
    this.opts.publish(topics.beaconSighting(this.opts.plan.storeId, scannerId), msg);
    this.stats.sightings++;
  }

  private footfall(metric: 'footfall_in' | 'footfall_out', now: number): void {
    const msg: SensorReading = {
      eventId: `door-${shortId(this.rng, 16)}`,
      sensorId: 'door-1',
      metric,
      value: 1,
      unit: 'count',
      ts: now,
    };
    this.opts.publish(topics.sensorReading(this.opts.plan.storeId, 'door-1'), msg);
    this.stats.footfall++;
  }

  /**
   * In a zone without shelves (the fitting rooms), the garment the shopper carries is read by the zone's RFID reader:
   * the last one in stock they picked up, else one taken from the rails.
   */
  private tryOn(s: Shopper, zone: string, now: number): void {
    if (this.rng() > 0.3) return;
    const item = s.basket.findLast((p) => this.garments.includes(p)) ?? this.garment();
    if (!item) return;
    const readerId = `rfid-${zone}`;
    const epc = `3034${item.id.replace(/\D/g, '').padStart(20, '0')}`.slice(0, 24).toUpperCase();
    const msg: RfidRead = {
      eventId: `rfid-${shortId(this.rng, 16)}`,
      readerId,
      zoneId: zone,
      tags: [{ epc, itemId: item.id, rssi: -50 }],
      shopperDeviceId: s.deviceId,
      ts: now,
    };
    this.opts.publish(topics.rfidRead(this.opts.plan.storeId, readerId), msg);
    this.stats.rfidReads++;
  }

  private garment(): Product | undefined {
    return this.garments.length > 0 ? pick(this.rng, this.garments) : undefined;
  }

  private browse(s: Shopper, now: number): void {
    const zone = s.route[s.step]!;
    const shelved = this.shelved.get(zone) ?? [];
    if (shelved.length === 0) {
      this.tryOn(s, zone, now);
      return;
    }
    if (this.rng() > 0.15) return;
    const item = pick(this.rng, shelved);
    const shelfId = `shelf-${zone}`;
    const msg: ProductInteraction = {
      eventId: `shelf-${shortId(this.rng, 16)}`,
      shelfId,
      zoneId: zone,
      itemId: item.id,
      action: 'picked_up',
      shopperDeviceId: s.deviceId,
      ts: now,
    };
    this.opts.publish(topics.productInteraction(this.opts.plan.storeId, shelfId), msg);
    this.stats.interactions++;
    if (this.rng() < 0.5 && s.basket.length < 4) s.basket.push(item);
  }

  private leave(s: Shopper, now: number): void {
    this.active.splice(this.active.indexOf(s), 1);
    this.stats.shoppersServed++;
    this.footfall('footfall_out', now);
    if (s.basket.length === 0) return;
    const terminalId = this.opts.terminalId ?? 'pos-1';
    const lines = s.basket.map((p) => ({ itemId: p.id, quantity: 1, unitPrice: p.price }));
    const msg: PosPurchase = {
      eventId: `pos-${shortId(this.rng, 16)}`,
      storeId: this.opts.plan.storeId,
      terminalId,
      shopperDeviceId: s.deviceId,
      lines,
      total: Math.round(lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0) * 100) / 100,
      currency: s.basket[0]!.currency,
      ts: now,
    };
    this.opts.publish(topics.posPurchase(this.opts.plan.storeId, terminalId), msg);
    this.stats.purchases++;
  }
}
