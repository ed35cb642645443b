/**
 * What the gateway does for its screens beyond zone cards (issue #6): kiosk sessions and hand-over to a till,
 * the mirror's garment and size requests, the staff assistant. `handlers` answers the screens' requests (the hub
 * has checked who may ask); the `on…` hooks are called by ingest and presence; everything reaches screens through
 * a `ScreenSender`.
 */
import type { PosPurchase, RecommendationsPush, RfidRead } from '@aisle/contracts';
import type { DecisionFeed } from '../decide/feed';
import type { ScreenHandlers } from '../realtime/types';
import type { ScreenServicesContext } from './context';
import { createKioskService, type KioskDeps } from './kiosk';
import { createMirrorService } from './mirror';
import { createStaffService } from './staff';

export interface ScreenServicesDeps extends ScreenServicesContext {
  feed: Pick<DecisionFeed, 'sizeRequest' | 'setPersonalization'>;
  /** Tills a kiosk may hand a cart over to, online ones first. */
  tills: () => readonly string[];
  /** Publishes on the store's broker with QoS 1. */
  publish: (topic: string, payload: string) => void;
  /** A customer the store does not cache, from the cloud (see KioskDeps.lookup). */
  lookup?: KioskDeps['lookup'];
  /** A personal "my data" link from the cloud (see KioskDeps.myDataLink). */
  myDataLink?: KioskDeps['myDataLink'];
  cartAtRiskMs: number;
  insightsK: number;
  insightsWindowMs: number;
}

export function createScreenServices(deps: ScreenServicesDeps) {
  const log = deps.logger;
  const kiosk = createKioskService({ ...deps, onIdentified: () => staff.check() });
  const mirror = createMirrorService(deps);
  const staff = createStaffService({ ...deps, kioskSessions: () => kiosk.sessions() });

  const handlers: ScreenHandlers = {
    identify: kiosk.identify,
    viewItem: kiosk.viewItem,
    endSession: kiosk.endSession,
    handover: (ctx) => kiosk.handover(ctx),
    myDataLink: (ctx) => kiosk.myDataLink(ctx),
    sizeRequest: mirror.sizeRequest,
    resolveRequest: mirror.resolveRequest,
    staffCustomers: staff.customers,
    customerCard: staff.customerCard,
    staffInsights: staff.insights,
    async personalization(ctx, req) {
      const session = kiosk.session(ctx.screenId);
      if (!session || !ctx.zoneId) {
        if (!ctx.zoneId) return { ok: false, message: `screen ${ctx.screenId} has no zone in the floor plan` };
        return deps.feed.setPersonalization(ctx.zoneId, req);
      }
      return kiosk.setPersonalization(ctx, req);
    },
  };

  /** A hook's fault is logged; it never reaches the ingest handler that called it. */
  const guard =
    <A extends unknown[]>(name: string, fn: (...args: A) => unknown) =>
    (...args: A): void => {
      try {
        const out = fn(...args);
        if (out instanceof Promise) out.catch((err: unknown) => log.error({ err, hook: name }, 'screen hook failed'));
      } catch (err) {
        log.error({ err, hook: name }, 'screen hook failed');
      }
    };

  return {
    handlers,
    /** Zone cards for the zone's screens (kiosks in a session keep their shopper's cards). */
    zonePush: (push: RecommendationsPush) => kiosk.zonePush(push),
    /** An RFID read was ingested. */
    onRfid: guard('rfid', (r: RfidRead) => mirror.rfidRead(r)),
    /** A sale was ingested. */
    onPurchase: guard('purchase', (p: PosPurchase, at: number) => {
      kiosk.purchased(p, at);
      staff.check();
    }),
    /** Shoppers arrived, moved or left, or were identified. */
    onPresence: guard('presence', () => staff.check()),
    /** Once a second: time-based alerts. */
    tick: guard('tick', () => staff.check()),
    kiosk,
    mirror,
    staff,
  };
}
export type ScreenServices = ReturnType<typeof createScreenServices>;
