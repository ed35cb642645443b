import { z } from 'zod';
import { Currency, ItemId, LocalizedText, Money, StoreId, Timestamp } from './common';

export const Product = z
  .object({
    id: ItemId,
    name: LocalizedText,
    category: z.string().min(1).max(64),
    brand: z.string().min(1).max(64),
    price: Money,
    currency: Currency,
    attributes: z.record(z.string(), z.string()),
  })
  .strict();
export type Product = z.infer<typeof Product>;

export const Catalog = z.object({ items: z.array(Product) }).strict();
export type Catalog = z.infer<typeof Catalog>;

/** How many of an item this store holds and where it is shelved. */
export const StockLevel = z
  .object({
    itemId: ItemId,
    onHand: z.number().int().nonnegative(),
    /** Shown to shoppers: "it's in aisle 4". */
    aisle: z.string().min(1).max(16).optional(),
  })
  .strict();
export type StockLevel = z.infer<typeof StockLevel>;

/** A promotion running at a store: the items or a whole category, with the label screens show. */
export const Promotion = z
  .object({
    id: z.string().min(1).max(64),
    label: LocalizedText,
    itemIds: z.array(ItemId).max(1000).default([]),
    category: z.string().min(1).max(64).optional(),
    /** How much the promotion lifts an item's score when ranking (0.2 = +20 %). */
    boost: z.number().min(0).max(2).default(0.2),
    startsAt: Timestamp,
    endsAt: Timestamp,
  })
  .strict();
export type Promotion = z.infer<typeof Promotion>;

/** Cloud → store: what this store has in stock and what is on promotion there. */
export const StoreAssortment = z
  .object({
    storeId: StoreId,
    stock: z.array(StockLevel),
    promotions: z.array(Promotion).default([]),
    updatedAt: Timestamp,
  })
  .strict();
export type StoreAssortment = z.infer<typeof StoreAssortment>;

/** Cloud → any store: catalog items changed after a cursor (`GET /v1/catalog/changes`), with tombstones. */
export const CatalogChangesPage = z
  .object({
    /** Items added or changed after the cursor, oldest change first. */
    items: z.array(Product),
    /** Items taken out of the catalog after the cursor (tombstones): drop them. */
    deleted: z.array(ItemId),
    /** Where the next pull starts: the page's last change (the request's cursor when the page is empty). */
    cursor: z.number().int().nonnegative(),
    /** More changes follow: pull again from `cursor` now. */
    more: z.boolean(),
  })
  .strict();
export type CatalogChangesPage = z.infer<typeof CatalogChangesPage>;

/** Cloud → store: this store's stock changed after a cursor (`GET /v1/stores/{storeId}/inventory`), with tombstones. */
export const InventoryPage = z
  .object({
    /** Stock levels set after the cursor (each the item's level now, not a delta), oldest change first. */
    levels: z.array(StockLevel),
    /** Items taken out of the store's range after the cursor (tombstones): drop them. */
    deleted: z.array(ItemId),
    /** Where the next pull starts: the page's last change (the request's cursor when the page is empty). */
    cursor: z.number().int().nonnegative(),
    /** More changes follow: pull again from `cursor` now. */
    more: z.boolean(),
    /**
     * Where in the same sequence the store's whole assortment (its promotions) was last replaced, 0 if never. A store
     * that fetched the assortment before this point fetches it again (`GET /v1/stores/{storeId}/assortment`).
     */
    assortmentSeq: z.number().int().nonnegative(),
  })
  .strict();
export type InventoryPage = z.infer<typeof InventoryPage>;

/** One stock change: a level, a delta (clamped at 0), or the item leaving the store's range. */
export const InventoryChange = z.union([
  z.object({ itemId: ItemId, onHand: z.number().int().nonnegative(), aisle: StockLevel.shape.aisle }).strict(),
  z
    .object({
      itemId: ItemId,
      /** Units received (positive) or gone (negative); the level never drops below 0. */
      delta: z.number().int().min(-1_000_000).max(1_000_000),
      aisle: StockLevel.shape.aisle,
    })
    .strict(),
  z.object({ itemId: ItemId, removed: z.literal(true) }).strict(),
]);
export type InventoryChange = z.infer<typeof InventoryChange>;

/** Body of `PATCH /v1/stores/{storeId}/inventory`: changes applied in order (an item may appear more than once). */
export const InventoryPatch = z.object({ changes: z.array(InventoryChange).min(1).max(1000) }).strict();
export type InventoryPatch = z.infer<typeof InventoryPatch>;

/** Answer to a stock change: the levels now of the items changed, the items removed, and the feed position. */
export const InventoryPatchResult = z
  .object({ levels: z.array(StockLevel), deleted: z.array(ItemId), cursor: z.number().int().nonnegative() })
  .strict();
export type InventoryPatchResult = z.infer<typeof InventoryPatchResult>;
