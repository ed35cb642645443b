/**
 * The smart mirror (issue #6, part 2): the garment a fitting room's RFID reader reads, with its other sizes, what
 * completes the look, and — for an identified shopper who consented — what they tried and bought. A size in stock
 * becomes a request staff screens show until it is done.
 */
import type {
  MirrorGarment,
  ResolveRequest,
  RfidRead,
  SimpleResult,
  SizeRequest,
  SizeRequestResult,
  StaffRequest,
} from '@aisle/contracts';
import type { DecisionFeed } from '../decide/feed';
import type { ScreenContext } from '../realtime/types';
import { type ScreenServicesContext, screensIn } from './context';

export interface MirrorDeps extends ScreenServicesContext {
  feed: Pick<DecisionFeed, 'sizeRequest'>;
  /** Open and recent staff requests kept in memory (default 200). */
  maxRequests?: number;
}

const MAX_HISTORY = 10;
const MAX_LOOK = 4;

export function createMirrorService(deps: MirrorDeps) {
  const { catalog, sender, now } = deps;
  const requests = new Map<string, StaffRequest>(); // oldest first

  /** What a mirror shows about `itemId`, held by the shopper `shopperDeviceId` (if the reader knows them). */
  async function garment(zoneId: string, itemId: string, shopperDeviceId: string | undefined): Promise<MirrorGarment> {
    const product = catalog.get(itemId)!;
    const assortment = deps.assortment();
    const stock = (id: string) => {
      const n = assortment.onHand(id);
      return Number.isFinite(n) ? n : 1;
    };
    const variants = assortment.otherSizes(itemId).map((p) => ({
      itemId: p.id,
      ...(p.attributes.size && { size: p.attributes.size }),
      ...(p.attributes.colour && { colour: p.attributes.colour }),
      inStock: stock(p.id),
    }));
    // "complete the look": the co-purchase model's items of other categories, in stock here
    const { push, record } = await deps.decide({
      zoneId,
      screen: 'mirror',
      trigger: 'lingering',
      anchors: [itemId],
      now: now(),
    });
    deps.decisionLog.record(record);
    const look = push.items
      .filter((i) => i.category !== product.category && assortment.inStock(i.itemId))
      .slice(0, MAX_LOOK);
    return {
      zoneId,
      itemId,
      name: product.name,
      brand: product.brand,
      price: product.price,
      currency: product.currency,
      ...(product.attributes.size && { size: product.attributes.size }),
      ...(product.attributes.colour && { colour: product.attributes.colour }),
      variants,
      look,
      history: historyOf(shopperDeviceId, itemId),
      at: now(),
    };
  }

  /** Tried and bought, newest first: only for an identified shopper who consented to personalization. */
  function historyOf(deviceId: string | undefined, current: string): MirrorGarment['history'] {
    const session = deviceId ? deps.memory.get(deviceId) : undefined;
    const profile = session?.customerId ? deps.profiles.get(session.customerId) : undefined;
    if (!session?.personalization || !profile?.consent.personalization) return null;
    const entries: NonNullable<MirrorGarment['history']> = [];
    const seen = new Set<string>([current]);
    for (const t of session.touches.toReversed()) {
      const p = catalog.get(t.itemId);
      if (t.action !== 'tried_on' || !p || seen.has(t.itemId)) continue;
      seen.add(t.itemId);
      entries.push({ itemId: p.id, name: p.name, kind: 'tried', at: t.at });
    }
    for (const b of profile.recentPurchases) {
      const p = catalog.get(b.itemId);
      if (p) entries.push({ itemId: p.id, name: p.name, kind: 'bought', at: b.at });
    }
    return entries.sort((a, b) => b.at - a.at).slice(0, MAX_HISTORY);
  }

  function remember(req: StaffRequest): void {
    requests.delete(req.requestId);
    requests.set(req.requestId, req);
    const max = deps.maxRequests ?? 200;
    for (const id of requests.keys()) {
      if (requests.size <= max) break;
      requests.delete(id);
    }
  }

  function announce(req: StaffRequest): void {
    sender.send({ kind: 'staff' }, 'staffRequest', req);
    sender.send({ screen: req.mirrorId }, 'staffRequest', req);
  }

  return {
    /** An RFID read: the mirrors of its zone show the first garment the catalog knows. */
    async rfidRead(r: RfidRead): Promise<void> {
      const mirrors = screensIn(deps.floorPlan, r.zoneId, 'mirror');
      const tag = r.tags.find((t) => t.itemId !== undefined && catalog.has(t.itemId));
      if (mirrors.length === 0 || !tag?.itemId) return;
      const msg = await garment(r.zoneId, tag.itemId, r.shopperDeviceId);
      for (const id of mirrors) sender.send({ screen: id }, 'mirrorGarment', msg);
    },

    garment,

    /** The mirror asks for a size: the feed answers; a size in stock here becomes a request for staff. */
    async sizeRequest(ctx: ScreenContext, req: SizeRequest): Promise<SizeRequestResult> {
      if (!ctx.zoneId) return { ok: false, message: `mirror ${ctx.screenId} has no zone in the floor plan` };
      const result = await deps.feed.sizeRequest(ctx.zoneId, req);
      if (!result.ok || !result.inStock || !result.variantId) return result;
      const variant = catalog.get(result.variantId)!;
      const request: StaffRequest = {
        requestId: deps.newId(),
        kind: 'size',
        mirrorId: ctx.screenId,
        zoneId: ctx.zoneId,
        itemId: variant.id,
        name: variant.name,
        size: req.size,
        status: 'open',
        at: now(),
      };
      remember(request);
      announce(request);
      return { ...result, requestId: request.requestId };
    },

    /** A staff member takes a request on, or says it is done; staff screens and the mirror follow. */
    resolveRequest(_ctx: ScreenContext, req: ResolveRequest): SimpleResult {
      const current = requests.get(req.requestId);
      if (!current) return { ok: false, message: `no open request ${req.requestId}` };
      if (current.status === 'done') return { ok: false, message: 'this request is already done' };
      const next: StaffRequest = { ...current, status: req.status, at: now() };
      if (next.status === 'done') requests.delete(next.requestId);
      else remember(next);
      announce(next);
      return { ok: true };
    },

    /** Requests not yet done, oldest first (for a staff screen that just logged in). */
    openRequests: (): StaffRequest[] => [...requests.values()],
  };
}
export type MirrorService = ReturnType<typeof createMirrorService>;
