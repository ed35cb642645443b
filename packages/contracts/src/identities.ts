import { z } from 'zod';
import { CustomerId, ShopperDeviceId, Timestamp } from './common';
import { CustomerProfile, phoneDigits } from './sync';

/*
 * One customer across channels: the identifiers the chain knows them by, and the merges that stitched two customer
 * records into one (cloud-sync `/v1/identities/resolve`, `/v1/customers/{id}/merge`, `/v1/merges/{id}/undo`).
 */

/**
 * How a customer is known: the loyalty card number, an e-mail address, a phone number, a shopper-app device id, or the
 * web shop's account id. The cloud keeps only a sha256 of e-mail addresses and phone numbers.
 */
export const IdentityKind = z.enum(['loyalty', 'email', 'phone', 'app_device', 'account']);
export type IdentityKind = z.infer<typeof IdentityKind>;

/** The kinds the cloud stores as a hash of `normalizeIdentifier`, never in the clear. */
export const HASHED_IDENTITY_KINDS: readonly IdentityKind[] = ['email', 'phone'];

/**
 * The form of a value that is compared (and, for e-mail and phone, hashed): a trimmed lower-case e-mail address,
 * a phone number's digits (`phoneDigits`, as the profile's `phoneHash`), other kinds as they are.
 */
export function normalizeIdentifier(kind: IdentityKind, value: string): string {
  if (kind === 'email') return value.trim().toLowerCase();
  if (kind === 'phone') return phoneDigits(value);
  return value;
}

/** A sha256 as 64 lower-case hex digits. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');

/** An e-mail address as a customer gives it (trimmed). */
export const EmailValue = z.string().trim().max(254).pipe(z.email());

/** A phone number as a customer types it. */
export const PhoneValue = z
  .string()
  .max(32)
  .refine((v) => /^[0-9+\-(). ]+$/.test(v) && phoneDigits(v).length >= 6 && phoneDigits(v).length <= 15, {
    message: 'a phone number: 6 to 15 digits, with "+", "-", "(", ")", "." or spaces between',
  });

/** An identifier in the clear; the cloud hashes e-mail and phone on input and keeps only the hash. */
export const IdentifierValue = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('loyalty'), value: CustomerProfile.shape.loyaltyId.unwrap() }).strict(),
  z.object({ kind: z.literal('email'), value: EmailValue }).strict(),
  z.object({ kind: z.literal('phone'), value: PhoneValue }).strict(),
  z.object({ kind: z.literal('app_device'), value: ShopperDeviceId }).strict(),
  z
    .object({
      kind: z.literal('account'),
      value: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    })
    .strict(),
]);
export type IdentifierValue = z.infer<typeof IdentifierValue>;

/**
 * An e-mail address or phone number already hashed by the sender: sha256 (hex) of `normalizeIdentifier` (a gateway
 * has only the phone hash a kiosk computed, never the number).
 */
export const IdentifierHash = z.object({ kind: z.enum(['email', 'phone']), hash: Sha256Hex }).strict();
export type IdentifierHash = z.infer<typeof IdentifierHash>;

/** One identifier of a customer, in the clear or (e-mail, phone) as its hash. */
export const Identifier = z.union([IdentifierValue, IdentifierHash]);
export type Identifier = z.infer<typeof Identifier>;

/** Profile fields a customer created by a resolve starts with (ignored when the customer exists). */
export const NewCustomerFields = CustomerProfile.pick({
  firstName: true,
  segment: true,
  homeStoreId: true,
  consent: true,
  favouriteCategories: true,
  tastes: true,
  excludedCategories: true,
})
  .partial()
  .strict();
export type NewCustomerFields = z.infer<typeof NewCustomerFields>;

/**
 * Body of `POST /v1/identities/resolve`: identifiers seen together (a web-shop sign-in with an e-mail and a loyalty
 * card, an app registering its device). None known: a new customer; one: the others are attached to it; several:
 * those customers are merged into the oldest.
 */
export const IdentityResolveRequest = z
  .object({ identifiers: z.array(Identifier).min(1).max(20), profile: NewCustomerFields.optional() })
  .strict();
export type IdentityResolveRequest = z.infer<typeof IdentityResolveRequest>;

/** A merge's id: `mrg-…`. */
export const MergeId = z.string().regex(/^mrg-[A-Za-z0-9_-]{1,60}$/, 'a merge id: mrg-…');

/** One merge of `mergedId` into `survivorId`; `undoneAt` once it was undone. */
export const Merge = z
  .object({
    mergeId: MergeId,
    survivorId: CustomerId,
    mergedId: CustomerId,
    mergedAt: Timestamp,
    undoneAt: Timestamp.optional(),
  })
  .strict();
export type Merge = z.infer<typeof Merge>;

export const IdentityResolveResult = z
  .object({
    customerId: CustomerId,
    /** A new customer was created for these identifiers. */
    created: z.boolean(),
    /** Identifiers newly attached to the customer. */
    attached: z.number().int().nonnegative(),
    /** The customers merged into `customerId` by this resolve. */
    merged: z.array(Merge),
  })
  .strict();
export type IdentityResolveResult = z.infer<typeof IdentityResolveResult>;

/** Body of `POST /v1/customers/{customerId}/merge`: merge customer `from` into the one in the path. */
export const MergeRequest = z.object({ from: CustomerId }).strict();
export type MergeRequest = z.infer<typeof MergeRequest>;

export const MergeResult = z.object({ merge: Merge, profile: CustomerProfile }).strict();
export type MergeResult = z.infer<typeof MergeResult>;

/** Answer of `POST /v1/merges/{mergeId}/undo`: both customers as they are again. */
export const UndoMergeResult = z
  .object({ merge: Merge, survivor: CustomerProfile, restored: CustomerProfile })
  .strict();
export type UndoMergeResult = z.infer<typeof UndoMergeResult>;

/** One identifier a customer holds: `value` is the sha256 (hex) for the hashed kinds, else the value itself. */
export const CustomerIdentity = z
  .object({ kind: IdentityKind, value: z.string(), hashed: z.boolean(), since: Timestamp })
  .strict();
export type CustomerIdentity = z.infer<typeof CustomerIdentity>;

/** Body of `GET /v1/customers/{customerId}/identities`. */
export const CustomerIdentities = z.object({ customerId: CustomerId, identities: z.array(CustomerIdentity) }).strict();
export type CustomerIdentities = z.infer<typeof CustomerIdentities>;

/** Answer of `DELETE /v1/customers/{customerId}`: the stores that were told to drop the profile. */
export const EraseResult = z
  .object({
    customerId: CustomerId,
    stores: z.number().int().nonnegative(),
    /** The erasure's data-subject request: its status stays readable after the data is gone. */
    requestId: z.string().optional(),
  })
  .strict();
export type EraseResult = z.infer<typeof EraseResult>;
