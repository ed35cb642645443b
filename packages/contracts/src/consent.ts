import { z } from 'zod';
import { CustomerId, EventId, StoreId, Timestamp } from './common';

/*
 * Consent records: what a customer agreed to (or refused, or took back), for which purpose, under which version of
 * the privacy policy, and where it was captured. Records are append-only; the current state of a purpose is its
 * latest record by `at` (ties: the later record id), and a purpose without records is denied. The profile's
 * `consent` flags (personalization, location) follow the current state, so stores learn it on their next profile
 * pull. Versioned policy texts and data-subject rights build on these records later (issue #8).
 */

/** What a customer may consent to. `location`: in-store location tracking (BLE sightings tied to them). */
export const ConsentPurpose = z.enum(['location', 'personalization', 'marketing', 'analytics']);
export type ConsentPurpose = z.infer<typeof ConsentPurpose>;

/** `withdrawn`: granted before, taken back; it denies like `denied` but says the customer changed their mind. */
export const ConsentState = z.enum(['granted', 'denied', 'withdrawn']);
export type ConsentState = z.infer<typeof ConsentState>;

/** Where the consent was captured: online (web shop, shopper app) or in a store (till, kiosk, staff screen). */
export const ConsentChannel = z.enum(['web', 'app', 'store', 'kiosk', 'staff']);
export type ConsentChannel = z.infer<typeof ConsentChannel>;

/** The channels a store may record consent through (its own staff, kiosks and tills). */
export const IN_STORE_CONSENT_CHANNELS: readonly ConsentChannel[] = ['store', 'kiosk', 'staff'];

/** The version of the privacy policy the customer was shown ("2026-01", "v3"). */
export const PolicyVersion = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'policy versions are 1-32 chars of letters, digits, "_", "." or "-"');

/** Body of `POST /v1/customers/{customerId}/consent`: one consent decision (the customer is in the path). */
export const ConsentCapture = z
  .object({
    purpose: ConsentPurpose,
    state: ConsentState,
    policyVersion: PolicyVersion,
    channel: ConsentChannel,
    /** The store it was captured in (required when a store records it). */
    storeId: StoreId.optional(),
    /** When the customer decided (epoch ms); orders the records of a purpose, whatever order they arrive in. */
    at: Timestamp,
    /** Idempotency key: a capture sent again with the same id is answered with the first record. */
    eventId: EventId.optional(),
  })
  .strict();
export type ConsentCapture = z.infer<typeof ConsentCapture>;

/** One stored consent record. */
export const ConsentRecord = z
  .object({
    /** Increasing in the order records were stored; breaks ties of `at`. */
    id: z.number().int().positive(),
    customerId: CustomerId,
    ...ConsentCapture.shape,
    /** When the cloud stored it (epoch ms). */
    recordedAt: Timestamp,
    /** Who sent it: `operator` or `store:<storeId>`. */
    recordedBy: z.string().min(1).max(80),
  })
  .strict();
export type ConsentRecord = z.infer<typeof ConsentRecord>;

/** Answer to a capture: the record, whether it is now its purpose's current state, and whether it was a resend. */
export const ConsentRecorded = z
  .object({
    record: ConsentRecord,
    /** False when a later decision for the purpose was already recorded (this one arrived out of order). */
    current: z.boolean(),
    /** True when the `eventId` had been recorded before (nothing new was stored). */
    duplicate: z.boolean(),
  })
  .strict();
export type ConsentRecorded = z.infer<typeof ConsentRecorded>;

/** The current state of one purpose: its latest record, or `denied` with no record (defaults deny). */
export const ConsentStatus = z
  .object({
    purpose: ConsentPurpose,
    state: ConsentState,
    /** The record that decided it; absent when there is none (denied by default). */
    recordId: z.number().int().positive().optional(),
    policyVersion: PolicyVersion.optional(),
    at: Timestamp.optional(),
  })
  .strict();
export type ConsentStatus = z.infer<typeof ConsentStatus>;

/** Body of `GET /v1/customers/{customerId}/consent`: every purpose's current state and the whole history. */
export const ConsentOverview = z
  .object({
    customerId: CustomerId,
    /** One entry per purpose, in ConsentPurpose's order. */
    current: z.array(ConsentStatus),
    /** Every record, oldest decision first (by `at`, then id). */
    history: z.array(ConsentRecord),
  })
  .strict();
export type ConsentOverview = z.infer<typeof ConsentOverview>;

/** Whether a state lets the purpose's processing happen. */
export const consentAllows = (state: ConsentState): boolean => state === 'granted';
