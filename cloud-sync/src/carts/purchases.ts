import {
  type CartEdit,
  type CartEditOrigin,
  type CartState,
  cartEdits,
  compareEdits,
  compareHlc,
  type Hlc,
} from '@aisle/contracts';
import { CLOUD_EDIT_PREFIX } from './cart';

/** A purchase as it bears on a cart: who bought what, when, where. */
export interface CartPurchase {
  eventId: string;
  customerId: string;
  lines: readonly { itemId: string; quantity: number }[];
  ts: number;
  origin: CartEditOrigin;
  /** The purchase's clock reading, when the buyer has one (a web checkout); else it is clocked at `ts`. */
  hlc?: Hlc;
}

/** The clock node of a purchase's edits: the store's till, or the web checkout. */
const purchaseNode = (origin: CartEditOrigin) => (origin.storeId ? `pos:${origin.storeId}` : 'web:checkout');

/**
 * The edits that take what a purchase bought out of the customer's cart, as the cart stood when it was bought (the
 * edits clocked before the purchase): a line bought in full is removed, one bought in part keeps the rest. Clocked at
 * the purchase's time (or its own clock reading), so an edit made after the purchase (the item put back in the cart)
 * still wins. The edit id is the purchase's event id and the item, so a purchase sent again makes the same edits.
 */
export function purchaseEdits(state: CartState, p: CartPurchase): CartEdit[] {
  const hlc: Hlc = p.hlc ?? { wallMs: p.ts, counter: 0, node: purchaseNode(p.origin) };
  const bought = new Map<string, number>();
  for (const l of p.lines) bought.set(l.itemId, (bought.get(l.itemId) ?? 0) + l.quantity);
  const before = cartEdits(state)
    .filter((e) => compareHlc(e.hlc, hlc) < 0)
    .sort(compareEdits);
  const quantityThen = new Map(before.map((e) => [e.itemId, e.quantity]));
  const edits: CartEdit[] = [];
  for (const [itemId, quantity] of bought) {
    const had = quantityThen.get(itemId) ?? 0;
    if (had === 0) continue;
    edits.push({
      editId: `${CLOUD_EDIT_PREFIX}${p.origin.storeId ? 'pos' : 'web'}:${p.eventId}:${itemId}`,
      customerId: p.customerId,
      itemId,
      quantity: Math.max(0, had - quantity),
      hlc,
      origin: p.origin,
      at: p.ts,
    });
  }
  return edits;
}
