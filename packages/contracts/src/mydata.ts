import { z } from 'zod';
import { Currency, CustomerId, EventId, Money, StoreId, Timestamp } from './common';
import { ConsentPurpose, ConsentRecord, ConsentStatus, PolicyVersion } from './consent';
import { DsrRequest, HoldingReason } from './privacy';

/*
 * The "my data" page's API (issue #8): what a person sees and changes with their personal link. A store (or the
 * operator) mints the link for one customer; it opens `<cloud>/my-data#t=<token>` (a fragment, so the token never
 * reaches a server log) and the page calls `/v1/me…` with `Authorization: Bearer me.<token>`.
 */

/** Answer to minting a personal link: the page's address with the token in its fragment, and when it expires. */
export const MyDataLink = z.object({ url: z.string().url(), expiresAt: Timestamp }).strict();
export type MyDataLink = z.infer<typeof MyDataLink>;

/** Why a store keeps a customer's profile: their home store, a purchase there, or a recent look-up there. */

/** A purchase as the person sees it. `storeId` is `web` for the online shop. */
export const MyPurchase = z
  .object({
    eventId: EventId,
    storeId: z.string().min(1).max(64),
    items: z.number().int().nonnegative(),
    total: Money,
    currency: Currency,
    at: Timestamp,
  })
  .strict();
export type MyPurchase = z.infer<typeof MyPurchase>;

/** Body of `GET /v1/me`: what is held about the person, where it went and what it was used for. */
export const MyData = z
  .object({
    customerId: CustomerId,
    profile: z
      .object({
        firstName: z.string().max(40).optional(),
        segment: z.string().max(32).optional(),
        homeStoreId: StoreId.optional(),
        favouriteCategories: z.array(z.string()),
        excludedCategories: z.array(z.string()),
        /** How many items are in the open online cart. */
        onlineCartItems: z.number().int().nonnegative(),
        updatedAt: Timestamp,
      })
      .strict(),
    /** The kinds of identifier linked to the person (loyalty card, phone, e-mail, app device…), never the values. */
    identities: z.array(z.object({ kind: z.string(), since: Timestamp }).strict()),
    consent: z.object({ current: z.array(ConsentStatus), history: z.array(ConsentRecord) }).strict(),
    /** The stores that keep a copy of the profile, and why. */
    stores: z.array(z.object({ storeId: StoreId, reasons: HoldingReason.array(), since: Timestamp }).strict()),
    /** Purchases linked to the person, newest first. */
    purchases: z.array(MyPurchase),
    /** Where the data was used. */
    usedIn: z
      .object({
        /** Stores that may personalize their screens with the profile (in scope, personalization granted). */
        personalizedIn: z.array(StoreId),
        /** Training runs whose data included the person's purchases (models learn from them in aggregate). */
        trainingRuns: z.array(z.object({ runId: z.string(), version: z.string().nullable(), at: Timestamp }).strict()),
      })
      .strict(),
    /** Data-subject requests the person made, newest first. */
    requests: z.array(DsrRequest),
    /** When the link used expires. */
    linkExpiresAt: Timestamp,
  })
  .strict();
export type MyData = z.infer<typeof MyData>;

/** Path of `PUT /v1/me/consent/{purpose}`. */
export const MyConsentPath = z.object({ purpose: ConsentPurpose }).strict();

/** Body of `PUT /v1/me/consent/{purpose}`: the person's decision on the page, under the policy version shown. */
export const MyConsentChange = z
  .object({ state: z.enum(['granted', 'withdrawn']), policyVersion: PolicyVersion })
  .strict();
export type MyConsentChange = z.infer<typeof MyConsentChange>;

/** Answer of a consent change: every purpose's state after it. */
export const MyConsent = z.object({ current: z.array(ConsentStatus) }).strict();
export type MyConsent = z.infer<typeof MyConsent>;

/**
 * Answer of `POST /v1/me/erasure`: the request, and a status link that keeps working after the data is gone (it
 * names only the request).
 */
export const MyErasure = z
  .object({ request: DsrRequest, statusUrl: z.string().url(), statusExpiresAt: Timestamp })
  .strict();
export type MyErasure = z.infer<typeof MyErasure>;
