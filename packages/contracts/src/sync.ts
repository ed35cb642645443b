import { z } from 'zod';
import { CustomerId, StoreId, Timestamp } from './common';
import { PosPurchase } from './devices';

/** Store → cloud: purchases made at a store, pushed in batches; `eventId` makes each idempotent. */
export const PurchaseBatch = z.object({ storeId: StoreId, purchases: z.array(PosPurchase).min(1).max(500) }).strict();
export type PurchaseBatch = z.infer<typeof PurchaseBatch>;

export const PurchaseBatchResult = z
  .object({ accepted: z.number().int().nonnegative(), duplicates: z.number().int().nonnegative() })
  .strict();
export type PurchaseBatchResult = z.infer<typeof PurchaseBatchResult>;

/** Cloud → store: what the store may know about one customer. */
export const CustomerProfile = z
  .object({
    customerId: CustomerId,
    segment: z.string().max(32).optional(),
    consent: z.object({ personalization: z.boolean(), location: z.boolean() }).strict(),
    favouriteCategories: z.array(z.string()).max(20),
    updatedAt: Timestamp,
  })
  .strict();
export type CustomerProfile = z.infer<typeof CustomerProfile>;

/** Every HTTP error body. */
export const ApiError = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }).strict(),
  })
  .strict();
export type ApiError = z.infer<typeof ApiError>;
