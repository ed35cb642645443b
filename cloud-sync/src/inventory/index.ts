import {
  CatalogChangesPage,
  InventoryPage,
  InventoryPatch,
  InventoryPatchResult,
  ItemId,
  Product,
} from '@aisle/contracts';
import { z } from 'zod';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import { StorePath } from '../route';
import { catalogChangesSince, deleteProducts, putProducts } from './catalog';
import { inventorySince, NoAssortmentError, patchInventory } from './stock';

export { putProducts } from './catalog';
export { putAssortment } from './stock';

/** `?cursor=N&limit=M` of a change feed. */
export const FeedQuery = z
  .object({
    cursor: z.coerce.number().int().nonnegative().default(0),
    limit: z.coerce.number().int().min(1).max(2000).default(500),
  })
  .strict();

const ItemPath = z.object({ itemId: ItemId });
const ItemDeleted = z.object({ itemId: ItemId }).strict();

/** The items of `itemIds` the catalog does not have. */
async function unknownItems(ctx: FeatureContext, itemIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(itemIds)];
  if (ids.length === 0) return [];
  const known = new Set(
    (await ctx.store.db.selectFrom('products').select('item_id').where('item_id', 'in', ids).execute()).map(
      (r) => r.item_id,
    ),
  );
  return ids.filter((id) => !known.has(id));
}

/** Registers the catalog and inventory feeds, and the operator's catalog and stock edits. */
export function registerInventoryRoutes(ctx: FeatureContext): void {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/catalog/changes',
      tag: 'catalog',
      summary: 'Catalog items changed after a cursor, with tombstones',
      description: 'Pull from cursor 0 for the whole catalog, then from the cursor of the last page.',
      access: 'any',
      query: FeedQuery,
      response: CatalogChangesPage,
    },
    async ({ query }) => catalogChangesSince(ctx.store, query.cursor, query.limit),
  );

  ctx.routes.add(
    {
      method: 'PUT',
      url: '/v1/catalog/items/:itemId',
      tag: 'catalog',
      summary: 'Add or replace a catalog item',
      access: 'operator',
      params: ItemPath,
      body: Product,
      response: Product,
    },
    async ({ params, body }) => {
      if (body.id !== params.itemId)
        throw new HttpError(400, 'item_mismatch', 'the product must be the item in the path');
      await putProducts(ctx.store, [body]);
      return body;
    },
  );

  ctx.routes.add(
    {
      method: 'DELETE',
      url: '/v1/catalog/items/:itemId',
      tag: 'catalog',
      summary: 'Take an item out of the catalog',
      description: 'Stores see a tombstone in the catalog feed. Stock of the item stays until it is removed there.',
      access: 'operator',
      params: ItemPath,
      response: ItemDeleted,
      errors: [404],
    },
    async ({ params }) => {
      if ((await deleteProducts(ctx.store, [params.itemId])) === 0) throw notFound('no such item in the catalog');
      return { itemId: params.itemId };
    },
  );

  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/stores/:storeId/inventory',
      tag: 'stores',
      summary: "The store's stock changed after a cursor, with tombstones",
      description:
        'Levels are absolute. `assortmentSeq` says where the promotions last changed: a store that fetched ' +
        '`GET /v1/stores/{storeId}/assortment` before it fetches it again.',
      access: 'store',
      params: StorePath,
      query: FeedQuery,
      response: InventoryPage,
    },
    async ({ params, query }) => inventorySince(ctx.store, params.storeId, query.cursor, query.limit),
  );

  ctx.routes.add(
    {
      method: 'PATCH',
      url: '/v1/stores/:storeId/inventory',
      tag: 'stores',
      summary: "Change some of a store's stock: levels, deltas, removals from its range",
      description:
        'Applied in order in one transaction. A delta never takes a level below 0; an item outside the range ' +
        'enters it. `removed` takes an item out of the range (a tombstone in the feed). The store needs an ' +
        'assortment first (404).',
      access: 'operator',
      params: StorePath,
      body: InventoryPatch,
      response: InventoryPatchResult,
      errors: [404],
    },
    async ({ params, body }) => {
      const unknown = await unknownItems(
        ctx,
        body.changes.filter((c) => !('removed' in c)).map((c) => c.itemId),
      );
      if (unknown.length > 0)
        throw new HttpError(400, 'unknown_item', `not in the catalog: ${unknown.slice(0, 20).join(', ')}`);
      try {
        return await patchInventory(ctx.store, params.storeId, body.changes, ctx.now());
      } catch (err) {
        if (err instanceof NoAssortmentError) throw notFound(err.message);
        throw err;
      }
    },
  );
}
