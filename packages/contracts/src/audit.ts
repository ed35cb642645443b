import { z } from 'zod';
import { LocalizedText, Timestamp } from './common';
import { ConsentPurpose, PolicyVersion } from './consent';
import { Sha256Hex } from './identities';

/*
 * The append-only, hash-chained audit log (issue #8) and versioned policy texts.
 *
 * Every entry carries the hash of the one before it, so removing, changing or reordering any entry breaks the chain
 * at that point; `verifyAuditChain` of `@aisle/contracts/audit-chain` finds where. Details hold ids and kinds only,
 * never personal data (the log outlives erasures).
 */

/** One audit entry as the API returns it. */
export const AuditEntry = z
  .object({
    /** Gap-free from 1, in the order entries were appended. */
    seq: z.number().int().positive(),
    /** When it happened (epoch ms, the cloud's clock). */
    at: Timestamp,
    /** Who did it: `admin`, `store:<id>`, `system:<job>`. */
    actor: z.string().min(1).max(120),
    /** What was done, `<area>.<verb>`: `consent.recorded`, `customer.erased`, `retention.purged`, … */
    action: z.string().min(1).max(80),
    /** The id it was done to (a customer id, a policy version, a model version), if any. */
    subject: z.string().max(200).optional(),
    /** Ids, kinds and counts about it; never personal data. */
    detail: z.record(z.string(), z.unknown()),
    /** The previous entry's hash (64 zeros for the first). */
    prevHash: Sha256Hex,
    /** sha256 of the canonical encoding of this entry and `prevHash`. */
    hash: Sha256Hex,
  })
  .strict();
export type AuditEntry = z.infer<typeof AuditEntry>;

/** `GET /v1/audit?after=&limit=`: entries with seq above `after`, oldest first. */
export const AuditQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** A page of the audit log. `next` is the `after` of the next page, absent on the last one. */
export const AuditPage = z
  .object({
    entries: z.array(AuditEntry),
    /** The log's newest seq now (0 when empty): how far a reader has to go. */
    headSeq: z.number().int().nonnegative(),
    next: z.number().int().nonnegative().optional(),
  })
  .strict();
export type AuditPage = z.infer<typeof AuditPage>;

/** The text a customer is shown for each purpose, in every screen language. */
export const PolicyTexts = z
  .object(
    Object.fromEntries(ConsentPurpose.options.map((p) => [p, LocalizedText.strict()])) as Record<
      ConsentPurpose,
      ReturnType<typeof LocalizedText.strict>
    >,
  )
  .strict();
export type PolicyTexts = z.infer<typeof PolicyTexts>;

/** Body of `PUT /v1/policies/{version}`: publishes a version (the same body again is fine; another is a 409). */
export const PolicyPublish = z
  .object({
    /** The first day (UTC) the version applies. */
    effectiveFrom: z.iso.date(),
    texts: PolicyTexts,
  })
  .strict();
export type PolicyPublish = z.infer<typeof PolicyPublish>;

/** A published policy version. */
export const PolicyDocument = z
  .object({
    version: PolicyVersion,
    ...PolicyPublish.shape,
    publishedAt: Timestamp,
  })
  .strict();
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** `GET /v1/policies`: every published version, by effective date (oldest first), and which one applies today. */
export const PolicyList = z
  .object({
    versions: z.array(PolicyDocument.pick({ version: true, effectiveFrom: true, publishedAt: true })),
    current: PolicyVersion.optional(),
  })
  .strict();
export type PolicyList = z.infer<typeof PolicyList>;

/**
 * The data classes the cloud purges after their retention period (docs/privacy/audit.md): web-shop events, store
 * outbox seqs and batch ids below the watermark, cart edits that lost, finished training runs, closed data-subject
 * requests, and the customer link of old purchases (anonymized, not deleted).
 */
export const RetentionClass = z.enum([
  'web_events',
  'store_inbox',
  'cart_conflicts',
  'training_logs',
  'dsr_closed',
  'purchase_links',
]);
export type RetentionClass = z.infer<typeof RetentionClass>;
