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
