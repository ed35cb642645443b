import { z } from 'zod';
import { Currency, CustomerId, EventId, ItemId, Money, StoreId, Timestamp } from './common';
import type { CartLine } from './sync';

/*
 * Online carts that converge. A cart is edited by the web shop, the shopper app and the stores (an in-store purchase
 * takes a line out), each on its own clock and each edit delivered late, twice or out of order. Every edit sets the
 * quantity of one line and carries a hybrid logical clock; per line the edit with the highest clock wins (last
 * writer wins), and the edits it beat are kept for audit. The merge is a join of sets, so any order, duplication or
 * delay of the same edits gives the same cart.
 */

/** A node of the hybrid logical clock: who ticks it (`web`, `app:<install>`, `pos:<storeId>`, …). */
export const HlcNode = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'node ids are letters, digits, "_", ".", ":" or "-"');

/**
 * A hybrid logical clock reading (Kulkarni et al., 2014): physical time in ms, a counter for events within the same
 * ms (or while the wall clock lags a clock already seen), and the node as the final tiebreak, so two readings are
 * never equal unless they are the same reading of the same node.
 */
export const Hlc = z
  .object({
    wallMs: Timestamp,
    counter: z.number().int().nonnegative().max(0xffff_ffff),
    node: HlcNode,
  })
  .strict();
export type Hlc = z.infer<typeof Hlc>;

/** A node's clock before its first event. */
export const hlcStart = (node: string): Hlc => ({ wallMs: 0, counter: 0, node });

/** Total order: wall time, then counter, then node id (by code unit, the same on every machine). */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return compareText(a.node, b.node);
}

/** The clock for a local event at wall time `now`: later than `local`, even if the wall clock went back. */
export function tick(local: Hlc, now: number): Hlc {
  const wallMs = Math.max(local.wallMs, now);
  return { wallMs, counter: wallMs === local.wallMs ? local.counter + 1 : 0, node: local.node };
}

/** The clock after receiving `remote` at wall time `now`: later than both `local` and `remote`. */
export function receive(local: Hlc, remote: Hlc, now: number): Hlc {
  const wallMs = Math.max(local.wallMs, remote.wallMs, now);
  let counter = 0;
  if (wallMs === local.wallMs && wallMs === remote.wallMs) counter = Math.max(local.counter, remote.counter) + 1;
  else if (wallMs === local.wallMs) counter = local.counter + 1;
  else if (wallMs === remote.wallMs) counter = remote.counter + 1;
  return { wallMs, counter, node: local.node };
}

/**
 * An idempotency key: the same key is the same edit, whoever sends it and however often. Ids starting `cloud:` are
 * those of the edits cloud-sync makes itself (a purchase taking an item out); editors may not use them.
 */
export const CartEditId = z
  .string()
  .min(8)
  .max(160)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'edit ids are letters, digits, "_", ".", ":" or "-"');

/** Where an edit was made; an in-store edit names its store. */
export const CartEditOrigin = z
  .object({ channel: z.enum(['web', 'app', 'store']), storeId: StoreId.optional() })
  .strict()
  .refine((o) => (o.channel === 'store') === (o.storeId !== undefined), {
    message: 'an edit of channel "store" names its storeId, and only it does',
    path: ['storeId'],
  });
export type CartEditOrigin = z.infer<typeof CartEditOrigin>;

/** One edit of a cart line: sets its quantity (0 removes the line). */
export const CartEdit = z
  .object({
    editId: CartEditId,
    customerId: CustomerId,
    itemId: ItemId,
    quantity: z.number().int().min(0).max(999),
    hlc: Hlc,
    origin: CartEditOrigin,
    /** When the edit was made, by the editor's wall clock (the line's `addedAt` comes from it). */
    at: Timestamp,
  })
  .strict();
export type CartEdit = z.infer<typeof CartEdit>;

/** Body of cloud-sync `POST /v1/customers/{customerId}/cart/edits`: edits of that customer's cart. */
export const CartEditBatch = z.object({ edits: z.array(CartEdit).min(1).max(500) }).strict();
export type CartEditBatch = z.infer<typeof CartEditBatch>;

/** One line of a cart with its version: the winning edit. */
export const CartLineVersion = z
  .object({
    itemId: ItemId,
    quantity: z.number().int().positive().max(999),
    addedAt: Timestamp,
    editId: CartEditId,
    hlc: Hlc,
    origin: CartEditOrigin,
  })
  .strict();
export type CartLineVersion = z.infer<typeof CartLineVersion>;

/** Body of cloud-sync `GET /v1/customers/{customerId}/cart`. */
export const CartView = z
  .object({
    customerId: CustomerId,
    lines: z.array(CartLineVersion),
    /** The highest clock of any edit of this cart: an editor `receive`s it before its next edit. */
    clock: Hlc.nullable(),
  })
  .strict();
export type CartView = z.infer<typeof CartView>;

/** Answer of cloud-sync `POST /v1/customers/{customerId}/cart/edits`. */
export const CartEditResult = z
  .object({
    /** Edits new to the cloud. */
    accepted: z.number().int().nonnegative(),
    /** Edits it had already (same id, same content). */
    duplicates: z.number().int().nonnegative(),
    cart: CartView,
  })
  .strict();
export type CartEditResult = z.infer<typeof CartEditResult>;

/** A losing edit: another edit of the same line had a later clock. */
export const SupersededEdit = z.object({ edit: CartEdit, supersededBy: CartEditId }).strict();
export type SupersededEdit = z.infer<typeof SupersededEdit>;

/** Body of cloud-sync `GET /v1/customers/{customerId}/cart/audit`: the losing edits, newest clock first. */
export const CartAudit = z.object({ customerId: CustomerId, superseded: z.array(SupersededEdit) }).strict();
export type CartAudit = z.infer<typeof CartAudit>;

/** One line's merge state: the winning edit and the edits it superseded, oldest clock first. */
export interface CartLineState {
  readonly winner: CartEdit;
  readonly superseded: readonly CartEdit[];
}

/** A cart as the merge of every edit seen: one state per item id. */
export interface CartState {
  readonly lines: Readonly<Record<string, CartLineState>>;
}

export const emptyCart: CartState = { lines: {} };

/** Order of edits of one line: by clock, then edit id (two edits with the same clock still have an order). */
export function compareEdits(a: CartEdit, b: CartEdit): number {
  return compareHlc(a.hlc, b.hlc) || compareText(a.editId, b.editId);
}

/**
 * The merge: the state holding every edit of `state` and of `edits`. Commutative, associative and idempotent, so
 * replicas that see the same edits in any order, any number of times and in any batches hold the same state. Two
 * different edits under one id (a client bug; cloud-sync refuses the second) resolve to the greater in content
 * order, so even then replicas agree.
 */
export function applyCartEdits(state: CartState, edits: readonly CartEdit[]): CartState {
  const byId = new Map<string, CartEdit>();
  const add = (e: CartEdit) => {
    const had = byId.get(e.editId);
    if (!had || compareContent(e, had) > 0) byId.set(e.editId, e);
  };
  for (const line of Object.values(state.lines)) {
    add(line.winner);
    line.superseded.forEach(add);
  }
  edits.forEach(add);
  const byItem = new Map<string, CartEdit[]>();
  for (const e of byId.values()) byItem.set(e.itemId, [...(byItem.get(e.itemId) ?? []), e]);
  const lines: Record<string, CartLineState> = {};
  for (const itemId of [...byItem.keys()].sort(compareText)) {
    const sorted = byItem.get(itemId)!.sort(compareEdits);
    lines[itemId] = { winner: sorted.at(-1)!, superseded: sorted.slice(0, -1) };
  }
  return { lines };
}

/**
 * The cart a profile carries: each line whose winning edit has a quantity, added when the line was last added after
 * its latest removal (a quantity change keeps `addedAt`). Oldest line first, then by item id.
 */
export function cartLines(state: CartState): CartLine[] {
  const out: CartLine[] = [];
  for (const [itemId, line] of Object.entries(state.lines)) {
    if (line.winner.quantity === 0) continue;
    let addedAt = line.winner.at;
    for (let i = line.superseded.length - 1; i >= 0 && line.superseded[i]!.quantity > 0; i--)
      addedAt = line.superseded[i]!.at;
    out.push({ itemId, quantity: line.winner.quantity, addedAt });
  }
  return out.sort((a, b) => a.addedAt - b.addedAt || compareText(a.itemId, b.itemId));
}

/** Every edit of the state: winners and superseded. */
export function cartEdits(state: CartState): CartEdit[] {
  return Object.values(state.lines).flatMap((l) => [...l.superseded, l.winner]);
}

/** Whether two edits are the same edit (same id and content), field by field in a fixed order. */
export function sameEdit(a: CartEdit, b: CartEdit): boolean {
  return canonical(a) === canonical(b);
}

function canonical(e: CartEdit): string {
  return JSON.stringify([
    e.editId,
    e.customerId,
    e.itemId,
    e.quantity,
    e.hlc.wallMs,
    e.hlc.counter,
    e.hlc.node,
    e.origin.channel,
    e.origin.storeId ?? null,
    e.at,
  ]);
}

function compareContent(a: CartEdit, b: CartEdit): number {
  return compareEdits(a, b) || compareText(canonical(a), canonical(b));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a web-shop event has whatever its kind: `eventId` makes it idempotent. */
const WebEventBase = {
  eventId: EventId,
  /** The browsing session (anonymous visitors have one too). */
  sessionId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/),
  customerId: CustomerId.optional(),
  at: Timestamp,
};

/** A product page seen. */
export const WebView = z.object({ ...WebEventBase, type: z.literal('view'), itemId: ItemId }).strict();
/** A product put in the cart (the cart itself changes by `CartEdit`s; this is the behaviour record). */
export const WebAddToCart = z
  .object({
    ...WebEventBase,
    type: z.literal('add_to_cart'),
    itemId: ItemId,
    quantity: z.number().int().positive().max(999),
  })
  .strict();
/** A product taken out of the cart. */
export const WebRemoveFromCart = z
  .object({ ...WebEventBase, type: z.literal('remove_from_cart'), itemId: ItemId })
  .strict();

export const WebPurchaseLine = z
  .object({ itemId: ItemId, quantity: z.number().int().positive().max(999), unitPrice: Money })
  .strict();
export type WebPurchaseLine = z.infer<typeof WebPurchaseLine>;

/**
 * A checkout by a signed-in customer: recorded as their purchase (store id `web`) and the bought quantities are
 * taken out of their cart as it stood at the checkout's clock reading `hlc` (the session ticks its clock for it, so
 * every edit it made before comes before), or without one, at `at` on the node `web:checkout`.
 */
export const WebPurchase = z
  .object({
    ...WebEventBase,
    type: z.literal('purchase'),
    customerId: CustomerId,
    lines: z.array(WebPurchaseLine).min(1).max(200),
    total: Money,
    currency: Currency,
    hlc: Hlc.optional(),
  })
  .strict()
  .refine((p) => Math.abs(p.lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0) - p.total) < 0.005, {
    message: 'total must equal the sum of the lines',
    path: ['total'],
  });

/** Web shop → cloud: what an online visitor did. */
export const WebEvent = z.discriminatedUnion('type', [WebView, WebAddToCart, WebRemoveFromCart, WebPurchase]);
export type WebEvent = z.infer<typeof WebEvent>;
export type WebPurchase = z.infer<typeof WebPurchase>;

/** Body of cloud-sync `POST /v1/web/events`. */
export const WebEventBatch = z
  .object({
    events: z.array(WebEvent).min(1).max(500),
    /**
     * The visitor's browser sent the Global Privacy Control signal (as the `Sec-GPC: 1` header does): an opt-out of
     * sale and sharing, recorded once as marketing consent denied for each signed-in customer in the batch.
     */
    gpc: z.boolean().optional(),
  })
  .strict();
export type WebEventBatch = z.infer<typeof WebEventBatch>;

/** Answer of cloud-sync `POST /v1/web/events`. */
export const WebEventBatchResult = z
  .object({ accepted: z.number().int().nonnegative(), duplicates: z.number().int().nonnegative() })
  .strict();
export type WebEventBatchResult = z.infer<typeof WebEventBatchResult>;
