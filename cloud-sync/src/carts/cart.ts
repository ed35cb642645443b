import {
  applyCartEdits,
  type CartEdit,
  type CartLine,
  type CartLineVersion,
  type CartState,
  type CartView,
  CustomerProfile,
  cartLines,
  compareHlc,
  emptyCart,
  type Hlc,
  sameEdit,
} from '@aisle/contracts';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { CloudStore, CloudTables } from '../store';

/*
 * A customer's cart in the database: every edit in `cart_edits`, the winner per line in `cart_lines`. The merge is
 * the contracts' `applyCartEdits`, run over the stored edits of the lines a batch touches, so the cloud holds exactly
 * the cart the property tests prove convergent.
 */

type Tx = Transaction<CloudTables>;
type EditRow = CloudTables['cart_edits'];
type LineRow = CloudTables['cart_lines'];

/**
 * The prefix of the ids of edits the cloud makes itself (a profile's cart imported, a purchase taking items out), which
 * no editor may use: an id an editor chose can never collide with them.
 */
export const CLOUD_EDIT_PREFIX = 'cloud:';

/** Most lines a cart may have (a profile carries at most 100). */
export const MAX_CART_LINES = 100;

/** An edit whose id the cloud holds for another edit: the idempotency key was reused. */
export class EditConflictError extends Error {
  constructor(readonly editId: string) {
    super(`edit ${editId} was received before with other content`);
    this.name = 'EditConflictError';
  }
}

/** A batch that would leave a cart with more lines than a profile carries. */
export class CartFullError extends Error {
  constructor(readonly lines: number) {
    super(`the cart would have ${lines} lines; at most ${MAX_CART_LINES}`);
    this.name = 'CartFullError';
  }
}

export function toEdit(r: EditRow): CartEdit {
  return {
    editId: r.edit_id,
    customerId: r.customer_id,
    itemId: r.item_id,
    quantity: Number(r.quantity),
    hlc: { wallMs: Number(r.hlc_wall), counter: Number(r.hlc_counter), node: r.hlc_node },
    origin: r.store_id === null ? { channel: r.channel } : { channel: r.channel, storeId: r.store_id },
    at: Number(r.at),
  };
}

const toRow = (e: CartEdit, receivedAt: number): EditRow => ({
  edit_id: e.editId,
  customer_id: e.customerId,
  item_id: e.itemId,
  quantity: e.quantity,
  hlc_wall: e.hlc.wallMs,
  hlc_counter: e.hlc.counter,
  hlc_node: e.hlc.node,
  channel: e.origin.channel,
  store_id: e.origin.storeId ?? null,
  at: e.at,
  received_at: receivedAt,
  status: 'lost',
  superseded_by: null,
});

/**
 * The edits a profile's cart stands for, for a customer whose cart predates cart edits (seeded, or PUT as a whole
 * profile): one edit per line, clocked at its `addedAt` on the node `profile`. Deterministic, so a cart shown before
 * it is imported has the versions it will have after.
 */
export function importedEdits(profile: CustomerProfile): CartEdit[] {
  return profile.onlineCart.map((l) => ({
    editId: `${CLOUD_EDIT_PREFIX}import:${profile.customerId}:${l.itemId}`,
    customerId: profile.customerId,
    itemId: l.itemId,
    quantity: l.quantity,
    hlc: { wallMs: l.addedAt, counter: 0, node: 'profile' },
    origin: { channel: 'web' },
    at: l.addedAt,
  }));
}

/**
 * Starts editing a customer's cart in `trx`: serialises editors of this customer (PostgreSQL: an advisory lock until
 * the transaction ends; SQLite has one writer), and the first time, imports the profile's cart as edits. Once a
 * customer has edits, the edits own the cart: a whole-profile PUT's `onlineCart` is replaced at the next edit.
 */
export async function openCart(store: CloudStore, trx: Tx, customerId: string, at: number): Promise<void> {
  if (store.dialect === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`cart:${customerId}`}))`.execute(trx);
  const any = await trx
    .selectFrom('cart_edits')
    .select('edit_id')
    .where('customer_id', '=', customerId)
    .limit(1)
    .executeTakeFirst();
  if (any) return;
  const row = await trx
    .selectFrom('customers')
    .select('profile')
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!row) return;
  const imported = importedEdits(CustomerProfile.parse(JSON.parse(row.profile)));
  if (imported.length > 0) await applyEdits(trx, customerId, imported, at);
}

/** The merge state of some lines of a customer's cart, from every stored edit of them. */
export async function lineStates(trx: Tx, customerId: string, items: readonly string[]): Promise<CartState> {
  if (items.length === 0) return emptyCart;
  const rows = await trx
    .selectFrom('cart_edits')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('item_id', 'in', [...items])
    .execute();
  return applyCartEdits(emptyCart, rows.map(toEdit));
}

/**
 * Applies edits of one customer's cart (after `openCart` in the same transaction): new edits are stored, edits seen
 * before are duplicates, an id seen before with other content is an `EditConflictError`; the touched lines are merged
 * again and each edit marked won or lost. A cart left with more than `MAX_CART_LINES` lines is a `CartFullError`.
 */
export async function applyEdits(
  trx: Tx,
  customerId: string,
  edits: readonly CartEdit[],
  receivedAt: number,
): Promise<{ accepted: number; duplicates: number }> {
  const fresh = new Map<string, CartEdit>();
  for (const e of edits) {
    const had = fresh.get(e.editId);
    if (had && !sameEdit(had, e)) throw new EditConflictError(e.editId);
    fresh.set(e.editId, e);
  }
  for (const part of chunks([...fresh.keys()]))
    for (const row of await trx.selectFrom('cart_edits').selectAll().where('edit_id', 'in', part).execute()) {
      if (!sameEdit(toEdit(row), fresh.get(row.edit_id)!)) throw new EditConflictError(row.edit_id);
      fresh.delete(row.edit_id);
    }
  if (fresh.size === 0) return { accepted: 0, duplicates: edits.length };
  const items = [...new Set([...fresh.values()].map((e) => e.itemId))];
  const state = applyCartEdits(await lineStates(trx, customerId, items), [...fresh.values()]);
  for (const part of chunks([...fresh.values()]))
    await trx
      .insertInto('cart_edits')
      .values(part.map((e) => toRow(e, receivedAt)))
      .execute();
  const lines = new Map(cartLines(state).map((l) => [l.itemId, l]));
  for (const itemId of items) {
    const { winner } = state.lines[itemId]!;
    await markLine(trx, customerId, itemId, winner.editId);
    await putLine(trx, winner, lines.get(itemId));
  }
  const count = await trx
    .selectFrom('cart_lines')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('customer_id', '=', customerId)
    .where('quantity', '>', 0)
    .executeTakeFirstOrThrow();
  if (Number(count.n) > MAX_CART_LINES) throw new CartFullError(Number(count.n));
  return { accepted: fresh.size, duplicates: edits.length - fresh.size };
}

/** Marks a line's winner won and every other edit of the line lost to it. */
async function markLine(trx: Tx, customerId: string, itemId: string, winnerId: string): Promise<void> {
  await trx
    .updateTable('cart_edits')
    .set({ status: 'lost', superseded_by: winnerId })
    .where('customer_id', '=', customerId)
    .where('item_id', '=', itemId)
    .where('edit_id', '!=', winnerId)
    .execute();
  await trx
    .updateTable('cart_edits')
    .set({ status: 'won', superseded_by: null })
    .where('edit_id', '=', winnerId)
    .execute();
}

/** Stores a line's winner; `line` is the profile's line, absent when the winner removed it. */
async function putLine(trx: Tx, winner: CartEdit, line: CartLine | undefined): Promise<void> {
  const row: LineRow = {
    customer_id: winner.customerId,
    item_id: winner.itemId,
    quantity: line?.quantity ?? 0,
    added_at: line?.addedAt ?? winner.at,
    edit_id: winner.editId,
    hlc_wall: winner.hlc.wallMs,
    hlc_counter: winner.hlc.counter,
    hlc_node: winner.hlc.node,
    channel: winner.origin.channel,
    store_id: winner.origin.storeId ?? null,
  };
  await trx
    .insertInto('cart_lines')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['customer_id', 'item_id']).doUpdateSet({
        quantity: row.quantity,
        added_at: row.added_at,
        edit_id: row.edit_id,
        hlc_wall: row.hlc_wall,
        hlc_counter: row.hlc_counter,
        hlc_node: row.hlc_node,
        channel: row.channel,
        store_id: row.store_id,
      }),
    )
    .execute();
}

/**
 * A customer's cart with each line's version, or undefined when the cart was never edited (then the profile's cart
 * is the cart, see `importedEdits`).
 */
export async function storedCart(db: Kysely<CloudTables>, customerId: string): Promise<CartView | undefined> {
  const rows = await db.selectFrom('cart_lines').selectAll().where('customer_id', '=', customerId).execute();
  if (rows.length === 0) return undefined;
  let clock: Hlc | null = null;
  const lines: CartLineVersion[] = [];
  for (const r of rows) {
    const hlc = { wallMs: Number(r.hlc_wall), counter: Number(r.hlc_counter), node: r.hlc_node };
    if (!clock || compareHlc(hlc, clock) > 0) clock = hlc;
    if (Number(r.quantity) === 0) continue;
    lines.push({
      itemId: r.item_id,
      quantity: Number(r.quantity),
      addedAt: Number(r.added_at),
      editId: r.edit_id,
      hlc,
      origin: r.store_id === null ? { channel: r.channel } : { channel: r.channel, storeId: r.store_id },
    });
  }
  // the order of `cartLines`: by code unit, not the database's collation
  lines.sort((a, b) => a.addedAt - b.addedAt || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
  return { customerId, lines, clock };
}

/** The view of a cart held by a profile only (never edited): its lines with the versions its import will give. */
export function profileCart(profile: CustomerProfile): CartView {
  const state = applyCartEdits(emptyCart, importedEdits(profile));
  const lines = cartLines(state).map((l) => {
    const { winner } = state.lines[l.itemId]!;
    return { ...l, editId: winner.editId, hlc: winner.hlc, origin: winner.origin };
  });
  const clock = Object.values(state.lines)
    .map((s) => s.winner.hlc)
    .reduce<Hlc | null>((max, h) => (!max || compareHlc(h, max) > 0 ? h : max), null);
  return { customerId: profile.customerId, lines, clock };
}

/** The profile lines of a stored cart. */
export const profileLines = (view: CartView): CartLine[] =>
  view.lines.map((l) => ({ itemId: l.itemId, quantity: l.quantity, addedAt: l.addedAt }));

/** Rows per IN list: well under both databases' bind-parameter limits. */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The edit id under which a merge carries a line of the merged-away customer's cart to the survivor's. */
const mergeEditId = (mergeId: string, itemId: string) => `${CLOUD_EDIT_PREFIX}merge:${mergeId}:${itemId}`;

/**
 * At a merge (in its transaction, before the merged-away customer's row goes): each line of `fromId`'s cart joins
 * `toId`'s cart as a cloud edit carrying the line's own clock, so the merge of the two carts is the carts' usual
 * last-writer-wins per line (a line both had keeps the later edit; the other is kept in the audit). `fromId`'s own
 * edits stay under its id, so an undo finds its cart as it was. Returns the survivor's cart lines for its profile.
 */
export async function carryCart(
  store: CloudStore,
  trx: Tx,
  fromId: string,
  toId: string,
  mergeId: string,
  at: number,
): Promise<CartLine[]> {
  await openCart(store, trx, fromId, at);
  await openCart(store, trx, toId, at);
  const lines = await trx.selectFrom('cart_lines').selectAll().where('customer_id', '=', fromId).execute();
  const edits = lines.map(
    (l): CartEdit => ({
      editId: mergeEditId(mergeId, l.item_id),
      customerId: toId,
      itemId: l.item_id,
      quantity: Number(l.quantity),
      hlc: { wallMs: Number(l.hlc_wall), counter: Number(l.hlc_counter), node: l.hlc_node },
      origin: l.store_id === null ? { channel: l.channel } : { channel: l.channel, storeId: l.store_id },
      // when the line was put in the cart (a line's addedAt comes from its edit)
      at: Number(l.added_at),
    }),
  );
  if (edits.length > 0) await applyEdits(trx, toId, edits, at);
  const view = await storedCart(trx, toId);
  return view ? profileLines(view) : [];
}

/**
 * At the undo of a merge: each line the merge carried that still holds the survivor's cart (nobody edited it since)
 * is removed from it by a cloud edit a tick later. Returns the survivor's cart lines for its profile.
 */
export async function uncarryCart(store: CloudStore, trx: Tx, toId: string, mergeId: string, at: number) {
  await openCart(store, trx, toId, at);
  const carried = await trx
    .selectFrom('cart_lines')
    .selectAll()
    .where('customer_id', '=', toId)
    .where('edit_id', 'like', `${mergeEditId(mergeId, '')}%`)
    .execute();
  const edits = carried.map(
    (l): CartEdit => ({
      editId: `${CLOUD_EDIT_PREFIX}unmerge:${mergeId}:${l.item_id}`,
      customerId: toId,
      itemId: l.item_id,
      quantity: 0,
      hlc: { wallMs: Math.max(at, Number(l.hlc_wall)), counter: Number(l.hlc_counter) + 1, node: 'cloud' },
      origin: { channel: 'web' },
      at,
    }),
  );
  if (edits.length > 0) await applyEdits(trx, toId, edits, at);
  const view = await storedCart(trx, toId);
  return view ? profileLines(view) : undefined;
}
