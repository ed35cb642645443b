import { z } from 'zod';
import { CartEdit, CartEditId, CartView, WebEvent } from './carts';
import { CustomerId, StoreId, Timestamp } from './common';
import { ConsentChannel, ConsentPurpose, ConsentRecord, ConsentStatus } from './consent';
import { PosPurchase } from './devices';
import { CustomerIdentity, EmailValue, Merge, PhoneValue, Sha256Hex } from './identities';
import { CustomerProfile } from './sync';

/*
 * Data-subject rights (issue #8): requests (access/export, rectification, erasure, objection), their status, and
 * the export document of everything held about a person. Owned by the DSR work.
 */

/** GDPR's rights this API serves: access (export), rectification, erasure, objection (opt-out, incl. CCPA's). */
export const DsrKind = z.enum(['access', 'rectification', 'erasure', 'objection']);
export type DsrKind = z.infer<typeof DsrKind>;

/** A request is received, then completed or rejected (with a reason). */
export const DsrStatus = z.enum(['received', 'completed', 'rejected']);
export type DsrStatus = z.infer<typeof DsrStatus>;

/** A DSR request's id: `dsr-…`. */
export const DsrRequestId = z.string().regex(/^dsr-[A-Za-z0-9_-]{1,60}$/, 'a request id: dsr-…');
export type DsrRequestId = z.infer<typeof DsrRequestId>;

/**
 * The corrections a rectification asks for. `email`/`phone` are given in the clear and stored only as their hash
 * (the identity is replaced); `homeStoreId: null` clears the home store.
 */
export const Rectification = z
  .object({
    firstName: CustomerProfile.shape.firstName,
    // the value rules of an e-mail and a phone identifier
    email: z.union([EmailValue, z.null()]).optional(),
    phone: z.union([PhoneValue, z.null()]).optional(),
    homeStoreId: z.union([StoreId, z.null()]).optional(),
    segment: CustomerProfile.shape.segment,
    favouriteCategories: CustomerProfile.shape.favouriteCategories.optional(),
    tastes: z.record(z.string(), z.number().min(0).max(1)).optional(),
    excludedCategories: z.array(z.string()).max(50).optional(),
  })
  .strict()
  .refine((r) => Object.keys(r).length > 0, 'a rectification names at least one field');
export type Rectification = z.infer<typeof Rectification>;

/** Body of `POST /v1/dsr/requests`. */
export const DsrRequestInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('access'), customerId: CustomerId }).strict(),
  z.object({ kind: z.literal('rectification'), customerId: CustomerId, changes: Rectification }).strict(),
  z.object({ kind: z.literal('erasure'), customerId: CustomerId }).strict(),
  z
    .object({
      kind: z.literal('objection'),
      customerId: CustomerId,
      /** The purposes the person objects to: each gets a `withdrawn` consent record. */
      purposes: z.array(ConsentPurpose).min(1).max(4),
      /** Where the objection was made. */
      channel: ConsentChannel,
      /** The store, when made in a store (store, kiosk, staff channels). */
      storeId: StoreId.optional(),
    })
    .strict(),
]);
export type DsrRequestInput = z.infer<typeof DsrRequestInput>;

/**
 * A request as the person (and the operator) sees it. It names the customer only by a hash of the id, so it
 * survives the customer's erasure without holding their data; the fields a rectification changed are named, never
 * their values.
 */
export const DsrRequest = z
  .object({
    requestId: DsrRequestId,
    kind: DsrKind,
    /** sha256 (hex) of the customer id. */
    customerHash: Sha256Hex,
    status: DsrStatus,
    receivedAt: Timestamp,
    /** When it must be answered by: received + 30 days (GDPR's month). */
    dueAt: Timestamp,
    completedAt: Timestamp.optional(),
    /** Why it was rejected (`rejected` only). */
    reason: z.string().max(200).optional(),
    /** Who submitted it (`operator`, `customer`, …). */
    requestedBy: z.string().max(64),
    /** Rectification: the fields corrected; objection: the purposes. */
    fields: z.array(z.string()).optional(),
    purposes: z.array(ConsentPurpose).optional(),
  })
  .strict();
export type DsrRequest = z.infer<typeof DsrRequest>;

/** Body of `GET /v1/customers/{customerId}/dsr`: the person's requests, newest first. */
export const DsrRequests = z.object({ requests: z.array(DsrRequest) }).strict();
export type DsrRequests = z.infer<typeof DsrRequests>;

/** One purchase as the cloud holds it: where it was made (`web` for the web shop), when it arrived, what it was. */
export const ExportedPurchase = z.object({ storeId: StoreId, receivedAt: Timestamp, purchase: PosPurchase }).strict();
export type ExportedPurchase = z.infer<typeof ExportedPurchase>;

/** Why a store holds a customer's profile: their home store, they bought there, or they signed in or were looked up there. */
export const HoldingReason = z.enum(['home', 'purchase', 'lookup']);
export type HoldingReason = z.infer<typeof HoldingReason>;

/** Why a store caches the profile (lookup: a kiosk identify or app sighting there). */
export const StoreHoldingReason = z
  .object({
    reason: HoldingReason,
    /** When the reason was last true (a purchase, a lookup); 0 for home (true while it is the home store). */
    lastAt: Timestamp,
    /** When the reason lapses, unless renewed (home: absent, it lasts while it is the home store). */
    expiresAt: Timestamp.optional(),
  })
  .strict();
export type StoreHoldingReason = z.infer<typeof StoreHoldingReason>;

/** What one store holds or held of the person. */
export const StoreHolding = z
  .object({
    storeId: StoreId,
    /** `holds`: the store caches the profile; `dropped`: it was told to drop it (left its scope, merged). */
    profile: z.enum(['holds', 'dropped', 'none']),
    reasons: z.array(StoreHoldingReason),
    /** The event ids of the person's purchases recorded at that store (full records under `purchases.inStore`). */
    purchases: z.array(z.string()),
    /** The first and last of those purchases. */
    firstPurchaseAt: Timestamp.optional(),
    lastPurchaseAt: Timestamp.optional(),
  })
  .strict();
export type StoreHolding = z.infer<typeof StoreHolding>;

/** One cart edit received for the person, whether it won its line or lost to a later one. */
export const ExportedCartEdit = z
  .object({
    edit: CartEdit,
    status: z.enum(['won', 'lost']),
    supersededBy: CartEditId.optional(),
    receivedAt: Timestamp,
  })
  .strict();
export type ExportedCartEdit = z.infer<typeof ExportedCartEdit>;

/** A training run the person's purchases were part of (their purchases had arrived before its data cut-off). */
export const ExportedTrainingRun = z
  .object({
    runId: z.string(),
    status: z.string(),
    version: z.string().optional(),
    startedAt: Timestamp,
    finishedAt: Timestamp.optional(),
    /** Purchases received up to this time were trained on. */
    dataUntil: Timestamp,
    /** How many of the person's purchases it read. */
    purchases: z.number().int().nonnegative(),
  })
  .strict();
export type ExportedTrainingRun = z.infer<typeof ExportedTrainingRun>;

/**
 * Body of `GET /v1/customers/{customerId}/export`: everything the cloud holds about one person, machine-readable
 * (GDPR access and portability). Its JSON Schema is published at `GET /v1/schemas/customer-export.json`.
 */
export const CustomerExport = z
  .object({
    format: z.literal('aisle.customer-export'),
    version: z.literal(1),
    customerId: CustomerId,
    exportedAt: Timestamp,
    profile: CustomerProfile,
    /** E-mail and phone as their sha256 only: the cloud never kept them in the clear. */
    identities: z.array(CustomerIdentity),
    consent: z.object({ current: z.array(ConsentStatus), history: z.array(ConsentRecord) }).strict(),
    cart: z.object({ current: CartView, edits: z.array(ExportedCartEdit) }).strict(),
    webEvents: z.array(z.object({ receivedAt: Timestamp, event: WebEvent }).strict()),
    purchases: z.object({ online: z.array(ExportedPurchase), inStore: z.array(ExportedPurchase) }).strict(),
    /** Per store: whether it caches the profile, why, and the purchases recorded there. */
    stores: z.array(StoreHolding),
    /** Merges the person's records went through (either side). */
    merges: z.array(Merge),
    requests: z.array(DsrRequest),
    training: z.array(ExportedTrainingRun),
  })
  .strict();
export type CustomerExport = z.infer<typeof CustomerExport>;
