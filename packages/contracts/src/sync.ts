import { z } from 'zod';
import { CustomerId, ItemId, ShopperDeviceId, StoreId, Timestamp } from './common';
import { PosPurchase } from './devices';

/** A store's outbox sequence number: per store, gap-free from 1, never reused. */
export const OutboxSeq = z.number().int().positive();
export type OutboxSeq = z.infer<typeof OutboxSeq>;

/** One purchase as the store's outbox numbered it. */
export const PurchaseEntry = z.object({ seq: OutboxSeq, purchase: PosPurchase }).strict();
export type PurchaseEntry = z.infer<typeof PurchaseEntry>;

/**
 * Store → cloud: purchases made at a store, pushed in batches of its outbox, seq ascending. `batchId` is the
 * idempotency key (the gateway sends `<storeId>:<firstSeq>-<lastSeq>`): a batch sent again is ignored and answered
 * as the first time. `eventId` keeps each purchase idempotent too.
 */
export const PurchaseBatch = z
  .object({
    storeId: StoreId,
    batchId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/),
    entries: z.array(PurchaseEntry).min(1).max(500),
  })
  .strict()
  .refine((b) => b.entries.every((e, i) => i === 0 || e.seq > b.entries[i - 1]!.seq), {
    message: 'entries must be in ascending seq order, each seq once',
    path: ['entries'],
  });
export type PurchaseBatch = z.infer<typeof PurchaseBatch>;

/** Sequence numbers `from`..`to` (inclusive) the cloud has not received although it has later ones. */
export const SeqGap = z.object({ from: OutboxSeq, to: OutboxSeq }).strict();
export type SeqGap = z.infer<typeof SeqGap>;

/** Where the cloud is in one store's outbox sequence. */
export const SyncWatermark = z
  .object({
    /** Every seq up to this one was received (0: none yet). */
    highestContiguousSeq: z.number().int().nonnegative(),
    /** The highest seq received (0: none yet). */
    highestSeenSeq: z.number().int().nonnegative(),
    /** The missing ranges below `highestSeenSeq`, lowest first (at most 100). Should always be empty. */
    gaps: z.array(SeqGap).max(100),
  })
  .strict();
export type SyncWatermark = z.infer<typeof SyncWatermark>;

export const PurchaseBatchResult = z
  .object({
    accepted: z.number().int().nonnegative(),
    duplicates: z.number().int().nonnegative(),
    ...SyncWatermark.shape,
  })
  .strict();
export type PurchaseBatchResult = z.infer<typeof PurchaseBatchResult>;

/** Body of cloud-sync `GET /v1/stores/{storeId}/purchases/count`: how many of the store's purchases the cloud holds. */
export const PurchaseCount = z.object({ count: z.number().int().nonnegative() }).strict();
export type PurchaseCount = z.infer<typeof PurchaseCount>;

/** Body of cloud-sync `GET /v1/stores/{storeId}/sync`. */
export const StoreSyncStatus = z.object({ storeId: StoreId, ...SyncWatermark.shape }).strict();
export type StoreSyncStatus = z.infer<typeof StoreSyncStatus>;

export const ProfilePurchase = z
  .object({ itemId: ItemId, at: Timestamp, channel: z.enum(['online', 'store']) })
  .strict();
export type ProfilePurchase = z.infer<typeof ProfilePurchase>;

export const CartLine = z
  .object({ itemId: ItemId, quantity: z.number().int().positive().max(999), addedAt: Timestamp })
  .strict();
export type CartLine = z.infer<typeof CartLine>;

/** What a customer agreed to. Absent means no. */
export const ConsentFlags = z.object({ personalization: z.boolean(), location: z.boolean() }).strict();
export type ConsentFlags = z.infer<typeof ConsentFlags>;

/** Cloud → store: what the store may know about one customer. */
export const CustomerProfile = z
  .object({
    customerId: CustomerId,
    /** How staff greet the customer; shown only to logged-in staff and at a kiosk the customer identified at. */
    firstName: z.string().max(40).optional(),
    /** The loyalty card number, as its QR code and NFC tag carry it. */
    loyaltyId: z.string().min(4).max(64).optional(),
    /** sha256 (hex) of the phone number's digits (`phoneDigits`); the number itself never leaves the cloud. */
    phoneHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    segment: z.string().max(32).optional(),
    /** The store the customer mostly shops at: its gateway always caches this profile. */
    homeStoreId: StoreId.optional(),
    consent: ConsentFlags,
    favouriteCategories: z.array(z.string()).max(20),
    /** Taste vector: the customer's affinity to each category, 0..1, learned from their history. */
    tastes: z.record(z.string(), z.number().min(0).max(1)).default({}),
    /** Categories the customer asked never to be shown. */
    excludedCategories: z.array(z.string()).max(50).default([]),
    /** Most recent purchases online and in every store, newest last. */
    recentPurchases: z.array(ProfilePurchase).max(200).default([]),
    /** The customer's open online cart. */
    onlineCart: z.array(CartLine).max(100).default([]),
    /** Pseudonymous ids the shopper app advertises on this customer's phones: a sighting of one identifies them. */
    appDevices: z.array(ShopperDeviceId).max(10).default([]),
    updatedAt: Timestamp,
  })
  .strict();
export type CustomerProfile = z.infer<typeof CustomerProfile>;
export type CustomerProfileInput = z.input<typeof CustomerProfile>;

/**
 * Cloud → store: the profiles a store caches, changed since a cursor, and the tombstones: customers the store must
 * drop (erased, merged into another customer, or no longer in the store's scope). A customer is in one list or the
 * other, as of the page's `cursor` (its last change); a store applies both with the cursor, at once.
 */
export const ProfilePage = z
  .object({
    profiles: z.array(CustomerProfile),
    deleted: z.array(CustomerId).default([]),
    /**
     * The customers of `deleted` that were erased (right to erasure), not merged or out of scope: the store also
     * scrubs everything else it holds about them and never takes their profile back. Absent from older clouds.
     */
    erased: z.array(CustomerId).optional(),
    cursor: z.number().int().nonnegative(),
    more: z.boolean(),
  })
  .strict();
export type ProfilePage = z.infer<typeof ProfilePage>;

/** A model version published in the cloud registry for a store, with how it should be rolled out. */
export const ModelRelease = z
  .object({
    version: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
    kind: z.string().min(1).max(64),
    /** Every file of the model folder (model.json, model.onnx, ...) and its sha256. */
    files: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), z.string().regex(/^[0-9a-f]{64}$/)),
    /**
     * full: every request; canary: `percent` of shoppers by a stable hash; shadow: scored beside the live
     * model on `percent` of requests and logged, never shown.
     */
    rollout: z.object({ mode: z.enum(['full', 'canary', 'shadow']), percent: z.number().min(0).max(100) }).strict(),
    createdAt: Timestamp,
  })
  .strict();
export type ModelRelease = z.infer<typeof ModelRelease>;

export const ModelReleases = z.object({ releases: z.array(ModelRelease) }).strict();
export type ModelReleases = z.infer<typeof ModelReleases>;

/** Every HTTP error body. */
export const ApiError = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }).strict(),
  })
  .strict();
export type ApiError = z.infer<typeof ApiError>;

/** A phone number reduced to its digits, as `phoneHash` hashes it ("+82 10-1234-5678" → "821012345678"). */
export function phoneDigits(phone: string): string {
  return phone.replace(/[^0-9]/g, '');
}
