/**
 * The decision pipeline (issue #5, point 3). Per request: candidates from the ONNX model → filters (stock here,
 * bought recently, excluded categories; personalization off ⇒ a non-personal ranking) → re-ranking with promotions,
 * taste and zone → diversity (MMR) → exploration (Thompson sampling over the hero slot's offer type, with the
 * propensity of every shown item) → an explanation for each item. Triggers (a product put back, a size missing at
 * the mirror, ...) change where candidates come from and what the headline says; the rest is shared.
 */
import type {
  CustomerProfile,
  DecisionTrigger,
  LocalizedText,
  Product,
  ReasonCode,
  RecommendationsPush,
  RecommendedItem,
  ScreenKind,
  Zone,
} from '@aisle/contracts';
import type { RankedItem, Recommender, ShopperState } from '@aisle/recsys/serve';
import { historyOf, recentlyBought, type ShopperSession } from '../shoppers/memory';
import type { Assortment } from './assortment';
import type { ThompsonBandit } from './bandit';
import { headlineFor, type ReasonFacts, reasonText } from './explain';
import { applyFilters, type Candidate, mmr, productSimilarity } from './rerank';

/** What the pipeline needs of a model: the live version, or a canary chosen by the routing key. */
export interface DecisionModel {
  readonly version: string;
  recommend(state: ShopperState, k: number, routingKey?: string): Promise<{ items: RankedItem[]; version: string }>;
}

/** A loaded recommender as the pipeline sees it (one version, no canary). */
export function servedModel(recommender: Recommender): DecisionModel {
  return {
    get version() {
      return recommender.version;
    },
    recommend: async (state, k) => ({ items: await recommender.recommend(state, k), version: recommender.version }),
  };
}

/** Offer types the bandit chooses between for the first card. */
export const ARMS = ['top', 'promotion', 'discovery'] as const;
export type Arm = (typeof ARMS)[number] | 'fixed';

export interface DeciderOptions {
  model: DecisionModel;
  /** Co-purchase model for cross-sell while a shopper lingers; the main model when absent. */
  bundles?: DecisionModel;
  assortment: () => Assortment;
  zones: ReadonlyMap<string, Zone>;
  count: number;
  /** Candidates asked of the model before filters and diversity. */
  pool: number;
  /** MMR's λ: 1 keeps the model's order, lower trades score for variety. */
  diversity: number;
  bandit: ThompsonBandit;
  /** Items bought this recently (online or in any store) are not shown again. */
  recentPurchaseMs: number;
  newId: () => string;
}

export interface DecisionShopper {
  session: ShopperSession;
  /** The cached cloud profile of an identified shopper. */
  profile?: CustomerProfile;
}

export interface DecisionRequest {
  zoneId: string;
  screen?: ScreenKind;
  trigger: DecisionTrigger;
  shopper?: DecisionShopper;
  /**
   * What a trigger is about: the product put back, the garment at the mirror, cart items, products touched; for a
   * `zone` decision, what the shopper is looking at (a kiosk's product pages), whose likes join the candidates.
   */
  anchors?: readonly string[];
  /** size_unavailable: the size asked for. */
  size?: string;
  now: number;
}

/** The features a decision was made with; logged with it and used to explain it. */
export interface ContextFeatures {
  hour: number;
  weekday: number;
  zoneId: string;
  dwellMs: number;
  screen: ScreenKind | 'none';
  trigger: DecisionTrigger;
  personalized: boolean;
  identified: boolean;
  promotions: string[];
}

export interface ShownItem {
  itemId: string;
  score: number;
  reason: ReasonCode;
  /** Probability the policy had of showing this item in this decision (1 for items every arm shows). */
  propensity: number;
  /** The item the reason points at (picked up, bought, held at the mirror): the explanation names it. */
  anchor?: string;
}

export interface DecisionRecord {
  id: string;
  at: number;
  zoneId: string;
  screen: ScreenKind | undefined;
  trigger: DecisionTrigger;
  /** The shopper's pseudonymous device id; never a customer id. */
  shopperRef: string | null;
  personalized: boolean;
  modelVersion: string;
  arm: Arm;
  propensity: number;
  banditContext: string;
  context: ContextFeatures;
  items: ShownItem[];
}

export interface Decision {
  push: RecommendationsPush;
  record: DecisionRecord;
}

interface Scored extends Candidate {
  /** Item the trigger or the shopper's history ties this one to, for the explanation. */
  anchor?: string;
  promoted?: boolean;
}

export function createDecider(opts: DeciderOptions) {
  const zoneOfCategory = new Map<string, Zone>();
  for (const zone of opts.zones.values()) for (const c of zone.categories) zoneOfCategory.set(c, zone);

  return async function decide(req: DecisionRequest): Promise<Decision> {
    const assortment = opts.assortment();
    const catalog = assortment.catalog;
    const session = req.shopper?.session;
    const personal = isPersonal(req.shopper);
    const profile = personal ? req.shopper?.profile : undefined;
    const zone = opts.zones.get(req.zoneId);
    if (!zone) throw new RangeError(`unknown zone ${req.zoneId}`);
    const context = contextFeatures(req, personal, assortment);
    const routingKey = session?.deviceId;
    const anchors = (req.anchors ?? []).filter((id) => catalog.has(id));

    // 1. candidates
    let modelVersion = opts.model.version;
    const fromModel = async (model: DecisionModel, state: ShopperState) => {
      const out = await model.recommend(state, opts.pool, routingKey);
      modelVersion = out.version;
      return out.items;
    };
    const personalState = (): ShopperState => ({
      zoneWeights: withTastes(zoneWeights(req.zoneId, session?.path), profile, zoneOfCategory),
      history: historyOf(session, profile),
      exclude: [...recentlyBought(session, profile, req.now, opts.recentPurchaseMs)],
    });
    const anonymousState: ShopperState = { zoneWeights: { [req.zoneId]: 1 }, history: [], exclude: [] };

    let scored: Scored[];
    switch (req.trigger) {
      case 'put_back':
      case 'cart_emptied': {
        const ranked = await fromModel(opts.model, personal ? personalState() : anonymousState);
        scored = similarTo(anchors, assortment, ranked, opts.pool * 2);
        break;
      }
      case 'size_unavailable': {
        const anchor = anchors[0];
        const sizes = anchor ? assortment.otherSizes(anchor, req.size).filter((p) => assortment.inStock(p.id)) : [];
        const ranked = await fromModel(opts.model, anonymousState);
        const similar = similarTo(anchors, assortment, ranked, opts.pool * 2).filter(
          (c) => !sizes.some((p) => p.id === c.itemId),
        );
        scored = [
          ...sizes.map((p, i) => ({ itemId: p.id, score: 3 - i * 0.01, anchor })),
          ...similar.map((c) => ({ ...c, score: Math.min(c.score, 2) })),
        ];
        break;
      }
      case 'online_cart_in_stock':
        scored = anchors.map((itemId, i) => ({ itemId, score: 1 - i * 0.01, anchor: itemId }));
        break;
      case 'lingering': {
        const history = anchors.map((item) => ({ item, weight: 1 }));
        const ranked = await fromModel(opts.bundles ?? opts.model, { ...anonymousState, history });
        scored = completeTheLook(anchors, ranked, catalog);
        break;
      }
      default: {
        const state = personal ? personalState() : anonymousState;
        const ranked = await fromModel(opts.model, state);
        // what goes with the shopper's history, from the co-purchase model, joins the main model's candidates
        const withHistory = opts.bundles && (state.history?.length ?? 0) > 0;
        scored = withHistory
          ? blend(ranked, (await opts.bundles!.recommend(state, opts.pool, routingKey)).items)
          : ranked;
        // what the shopper is looking at right now (a kiosk's product pages): items like them join the candidates
        if (personal && anchors.length > 0) scored = blend(scored, similarTo(anchors, assortment, ranked, opts.pool));
      }
    }

    // 2. filters
    const { kept } = applyFilters(
      scored.filter((c) => req.trigger === 'online_cart_in_stock' || !anchors.includes(c.itemId)),
      {
        catalog,
        onHand: (id) => assortment.onHand(id),
        purchasedRecently: personal ? recentlyBought(session, profile, req.now, opts.recentPurchaseMs) : new Set(),
        excludedCategories: new Set(profile?.excludedCategories ?? []),
      },
    );
    const anchorOf = new Map(kept.map((c) => [c.itemId, (c as Scored).anchor]));

    // 3. re-ranking: promotions, taste, the zone's own shelves
    const ordered = req.trigger === 'size_unavailable' || req.trigger === 'online_cart_in_stock';
    const reranked: Scored[] = ordered ? kept : rerank(kept, catalog, assortment, zone, profile, req.now);

    // 4. diversity, 5. exploration of the first card's offer type
    const similarity = (a: string, b: string) => productSimilarity(catalog.get(a)!, catalog.get(b)!);
    const diverse: Scored[] = ordered
      ? reranked
      : mmr(reranked, Math.min(reranked.length, opts.count * 2), opts.diversity, similarity);
    const banditContext = `${context.screen}:${req.trigger}:${personal ? 'personal' : 'anonymous'}`;
    let arm: Arm = 'fixed';
    let propensity = 1;
    let shown: { item: Scored; propensity: number }[];
    if (ordered || diverse.length <= 1) {
      shown = diverse.slice(0, opts.count).map((item) => ({ item, propensity: 1 }));
    } else {
      const choice = opts.bandit.choose(banditContext);
      arm = choice.arm as Arm;
      propensity = choice.propensity;
      const lists = ARMS.map((a) => listFor(a, diverse, reranked, catalog, session, opts.count));
      const chosen = lists[ARMS.indexOf(arm as (typeof ARMS)[number])]!;
      shown = chosen.map((item) => ({
        item,
        propensity: lists.reduce((p, list, a) => (list.includes(item) ? p + choice.probabilities[a]! : p), 0),
      }));
    }

    // 6. explanations
    const items: RecommendedItem[] = [];
    const logged: ShownItem[] = [];
    for (const { item, propensity: p } of shown) {
      const product = catalog.get(item.itemId)!;
      const why = explain(product, anchorOf.get(item.itemId));
      const aisle = assortment.aisle(item.itemId);
      const onHand = assortment.onHand(item.itemId);
      items.push({
        itemId: product.id,
        name: product.name,
        category: product.category,
        brand: product.brand,
        price: product.price,
        currency: product.currency,
        score: round(item.score),
        reason: { code: why.code, text: why.text },
        ...(aisle && { aisle }),
        ...(Number.isFinite(onHand) && { inStock: onHand }),
      });
      logged.push({
        itemId: product.id,
        score: round(item.score),
        reason: why.code,
        propensity: round(p),
        ...(why.anchor && { anchor: why.anchor }),
      });
    }

    const id = opts.newId();
    const anchorProduct = anchors[0] ? catalog.get(anchors[0]) : undefined;
    const headline = headlineFor(req.trigger, anchorProduct, req.size);
    return {
      push: {
        decisionId: id,
        trigger: req.trigger,
        personalized: personal,
        ...(headline && { headline }),
        zoneId: req.zoneId,
        shopper: session ? { ref: shopperRef(session.deviceId), dwellMs: Math.round(context.dwellMs) } : null,
        items,
        modelVersion,
        generatedAt: req.now,
      },
      record: {
        id,
        at: req.now,
        zoneId: req.zoneId,
        screen: req.screen,
        trigger: req.trigger,
        shopperRef: session?.deviceId ?? null,
        personalized: personal,
        modelVersion,
        arm,
        propensity: round(propensity),
        banditContext,
        context,
        items: logged,
      },
    };

    function explain(
      product: Product,
      anchor: string | undefined,
    ): { code: ReasonCode; text: LocalizedText; anchor?: string } {
      const anchorProduct = anchor ? catalog.get(anchor) : undefined;
      const reason = (code: ReasonCode, extra: Partial<ReasonFacts> = {}) => ({
        code,
        ...(anchorProduct && { anchor: anchorProduct.id }),
        text: reasonText(code, { product, anchor: anchorProduct, aisle: assortment.aisle(product.id), ...extra }),
      });
      switch (req.trigger) {
        case 'put_back':
        case 'cart_emptied':
          if (anchorProduct) return reason('similar_item');
          break;
        case 'size_unavailable':
          if (anchorProduct && product.attributes.style && product.attributes.style === anchorProduct.attributes.style)
            return reason('other_size');
          if (anchorProduct) return reason('similar_item');
          break;
        case 'online_cart_in_stock':
          return reason('in_your_online_cart');
        case 'lingering':
          if (anchorProduct) return reason('completes_your_look');
          break;
      }
      if (personal) {
        if (profile?.onlineCart.some((l) => l.itemId === product.id)) return reason('in_your_online_cart');
        const touched = session?.touches.findLast((t) => catalog.get(t.itemId)?.category === product.category);
        if (touched)
          return {
            code: 'because_you_touched',
            anchor: touched.itemId,
            text: reasonText('because_you_touched', { product, anchor: catalog.get(touched.itemId) }),
          };
        const bought = profile?.recentPurchases.findLast((p) => catalog.get(p.itemId)?.category === product.category);
        if (bought)
          return {
            code: 'because_you_bought',
            anchor: bought.itemId,
            text: reasonText('because_you_bought', { product, anchor: catalog.get(bought.itemId) }),
          };
        if ((profile?.tastes[product.category] ?? 0) >= 0.5) return reason('matches_your_taste');
      }
      const promotion = assortment.promotionFor(product, req.now);
      if (promotion) return { code: 'on_promotion', text: promotion.label };
      const home = zoneOfCategory.get(product.category);
      if (personal && home && home.id !== req.zoneId && session?.path.includes(home.id))
        return reason('popular_on_your_path', { zone: home.name });
      return reason('popular_in_zone', { zone: zone!.name });
    }
  };
}
export type Decide = ReturnType<typeof createDecider>;

/** Personalization needs a shopper who has not switched it off, and, when identified, their consent. */
export function isPersonal(shopper: DecisionShopper | undefined): boolean {
  if (!shopper?.session.personalization) return false;
  return shopper.profile ? shopper.profile.consent.personalization : true;
}

export function contextFeatures(req: DecisionRequest, personalized: boolean, assortment: Assortment): ContextFeatures {
  const at = new Date(req.now);
  const session = req.shopper?.session;
  return {
    hour: at.getHours(),
    weekday: at.getDay(),
    zoneId: req.zoneId,
    dwellMs: session?.enteredAt !== undefined ? Math.max(0, req.now - session.enteredAt) : 0,
    screen: req.screen ?? 'none',
    trigger: req.trigger,
    personalized,
    identified: req.shopper?.profile !== undefined,
    promotions: assortment.activePromotions(req.now).map((p) => p.id),
  };
}

/**
 * Zone weights for the model from the shopper's path: the current zone weighs 1, each earlier zone half the one
 * after it. Without a path, the screen's zone alone.
 */
export function zoneWeights(zoneId: string, path: readonly string[] | undefined): Record<string, number> {
  const weights: Record<string, number> = { [zoneId]: 1 };
  [...(path ?? [])].reverse().forEach((z, i) => {
    weights[z] = Math.max(weights[z] ?? 0, 0.5 ** i);
  });
  return weights;
}

/**
 * An identified customer's tastes widen where candidates come from: the zones that shelve the categories they like
 * weigh in by their affinity (0..1; the zone the shopper stands in weighs 1).
 */
function withTastes(
  weights: Record<string, number>,
  profile: CustomerProfile | undefined,
  zoneOfCategory: ReadonlyMap<string, Zone>,
): Record<string, number> {
  for (const [category, affinity] of Object.entries(profile?.tastes ?? {})) {
    const zone = zoneOfCategory.get(category);
    if (zone && affinity > 0) weights[zone.id] = Math.max(weights[zone.id] ?? 0, affinity);
  }
  return weights;
}

/** What a screen may show of a shopper: the last four characters of their rotating pseudonym. */
export function shopperRef(deviceId: string): string {
  return deviceId.slice(-4);
}

/** The `limit` items most like the anchors (same category, by product similarity), lifted by the model's ranking. */
function similarTo(
  anchors: readonly string[],
  assortment: Assortment,
  ranked: readonly RankedItem[],
  limit: number,
): Scored[] {
  const relevance = relevanceOf(ranked);
  const best = new Map<string, Scored>();
  for (const anchorId of anchors) {
    const anchor = assortment.catalog.get(anchorId)!;
    for (const p of assortment.inCategory(anchor.category)) {
      if (p.id === anchorId || (anchor.attributes.style && p.attributes.style === anchor.attributes.style)) continue;
      const score = productSimilarity(anchor, p) + 0.5 * (relevance.get(p.id) ?? 0);
      const prev = best.get(p.id);
      if (!prev || prev.score < score) best.set(p.id, { itemId: p.id, score, anchor: anchorId });
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}

/** Co-purchased items from other categories than the anchors' (a top with trousers, not another top). */
function completeTheLook(
  anchors: readonly string[],
  ranked: readonly RankedItem[],
  catalog: ReadonlyMap<string, Product>,
): Scored[] {
  const categories = new Set(anchors.map((id) => catalog.get(id)!.category));
  const other = ranked.filter((r) => !categories.has(catalog.get(r.itemId)?.category ?? ''));
  return other.map((r) => ({ itemId: r.itemId, score: r.score, anchor: anchors[0] }));
}

/** Two rankings as one: each rescaled to [0, 1], the main one weighing 0.6, the other 0.4. */
function blend(main: readonly RankedItem[], other: readonly RankedItem[]): Scored[] {
  const a = relevanceOf(main);
  const b = relevanceOf(other);
  const ids = new Set([...a.keys(), ...b.keys()]);
  return [...ids]
    .map((itemId) => ({ itemId, score: 0.6 * (a.get(itemId) ?? 0) + 0.4 * (b.get(itemId) ?? 0) }))
    .sort((x, y) => y.score - x.score);
}

function relevanceOf(ranked: readonly RankedItem[]): Map<string, number> {
  if (ranked.length === 0) return new Map();
  const max = ranked[0]!.score;
  const min = ranked.at(-1)!.score;
  const span = max - min || 1;
  return new Map(ranked.map((r) => [r.itemId, (r.score - min) / span]));
}

/** Score rescaled to [0, 1], times 1 + promotion boost + 0.3 × taste for the category + 0.1 if shelved here. */
function rerank(
  candidates: readonly Candidate[],
  catalog: ReadonlyMap<string, Product>,
  assortment: Assortment,
  zone: Zone,
  profile: CustomerProfile | undefined,
  now: number,
): Scored[] {
  if (candidates.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    min = Math.min(min, c.score);
    max = Math.max(max, c.score);
  }
  const span = max - min || 1;
  return candidates
    .map((c) => {
      const p = catalog.get(c.itemId)!;
      const promotion = assortment.promotionFor(p, now);
      const boost =
        1 +
        (promotion?.boost ?? 0) +
        0.3 * (profile?.tastes[p.category] ?? 0) +
        (zone.categories.includes(p.category) ? 0.1 : 0);
      return { ...c, score: (0.05 + (0.95 * (c.score - min)) / span) * boost, promoted: promotion !== undefined };
    })
    .sort((a, b) => b.score - a.score);
}

/** The list shown under an arm: its hero card, then the diverse list without it. */
function listFor(
  arm: (typeof ARMS)[number],
  diverse: readonly Scored[],
  reranked: readonly Scored[],
  catalog: ReadonlyMap<string, Product>,
  session: ShopperSession | undefined,
  count: number,
): Scored[] {
  const rest = (hero: Scored) => [hero, ...diverse.filter((c) => c !== hero)].slice(0, count);
  const top = diverse[0]!;
  if (arm === 'promotion') {
    const promoted = reranked.find((c) => c.promoted);
    return rest(promoted ?? top);
  }
  if (arm === 'discovery') {
    const seen = new Set(diverse.slice(0, count).map((c) => catalog.get(c.itemId)!.category));
    for (const t of session?.touches ?? []) seen.add(catalog.get(t.itemId)?.category ?? '');
    const fresh = reranked.find((c) => !seen.has(catalog.get(c.itemId)!.category));
    return rest(fresh ?? top);
  }
  return rest(top);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
