import {
  ConsentCapture,
  type ConsentFlags,
  ConsentOverview,
  ConsentPurpose,
  ConsentRecord,
  ConsentRecorded,
  type ConsentStatus,
  consentAllows,
  IN_STORE_CONSENT_CHANNELS,
} from '@aisle/contracts';
import { sql } from 'kysely';
import { appendAudit } from '../audit';
import { forbidden, OPERATOR_ID } from '../auth';
import { customerSubject } from '../dsr/requests';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import { CustomerPath } from '../route';
import type { CloudStore, CloudTables } from '../store';

/*
 * Consent records (issue #7): an append-only history per customer and purpose, the current state of a purpose being
 * its latest record by `at` (ties: record id), so a decision that arrives late never overrides a newer one. The
 * profile's consent flags follow the current state of `personalization` and `location`, written through
 * `upsertCustomers` so every store caching the profile gets it on its next pull. A purpose without records is
 * denied; a profile flag of such a purpose is left as it is (profiles loaded before consent records existed keep
 * theirs until a record says otherwise). Policy texts and data-subject rights come with issue #8.
 */

/** How far ahead of the cloud's clock a decision may be dated (clock skew of a till or kiosk). */
const MAX_FUTURE_MS = 5 * 60_000;

/** The profile flags the records decide. */
const FLAG_PURPOSES = ['personalization', 'location'] as const satisfies readonly (keyof ConsentFlags)[];

type Row = CloudTables['consent_records'];

const toRecord = (r: Row): ConsentRecord =>
  ConsentRecord.parse({
    id: Number(r.id),
    customerId: r.customer_id,
    purpose: r.purpose,
    state: r.state,
    policyVersion: r.policy_version,
    channel: r.channel,
    ...(r.store_id !== null && { storeId: r.store_id }),
    at: Number(r.at),
    ...(r.event_id !== null && { eventId: r.event_id }),
    recordedAt: Number(r.recorded_at),
    recordedBy: r.recorded_by,
  });

/**
 * Appends a consent record (one with an `eventId` seen before is not stored again: the first is returned, marked
 * duplicate). `by` is who sent it (`operator` or `store:<id>`).
 */
export async function recordConsent(
  store: CloudStore,
  customerId: string,
  capture: ConsentCapture,
  by: string,
  at: number,
): Promise<{ record: ConsentRecord; duplicate: boolean }> {
  return store.db.transaction().execute(async (trx) => {
    if (capture.eventId !== undefined) {
      // one writer per idempotency key on PostgreSQL, so a resend racing its first send still finds it
      if (store.dialect === 'postgres')
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`consent:${capture.eventId}`}))`.execute(trx);
      const seen = await trx
        .selectFrom('consent_records')
        .selectAll()
        .where('event_id', '=', capture.eventId)
        .executeTakeFirst();
      if (seen) {
        if (seen.customer_id !== customerId)
          throw new HttpError(409, 'event_conflict', `event ${capture.eventId} recorded consent for another customer`);
        return { record: toRecord(seen), duplicate: true };
      }
    }
    // a record must name a policy text the customer could have been shown
    const policy = await trx
      .selectFrom('policy_versions')
      .select('version')
      .where('version', '=', capture.policyVersion)
      .executeTakeFirst();
    if (!policy) throw new HttpError(400, 'unknown_policy', `policy version ${capture.policyVersion} is not published`);
    const id = await store.bump(trx, 'consent', 1);
    const row: Row = {
      id,
      customer_id: customerId,
      purpose: capture.purpose,
      state: capture.state,
      policy_version: capture.policyVersion,
      channel: capture.channel,
      store_id: capture.storeId ?? null,
      at: capture.at,
      recorded_at: at,
      recorded_by: by,
      event_id: capture.eventId ?? null,
    };
    await trx.insertInto('consent_records').values(row).execute();
    await appendAudit(trx, {
      actor: by,
      action: 'consent.recorded',
      subject: customerSubject(customerId),
      detail: {
        recordId: id,
        purpose: row.purpose,
        state: row.state,
        policyVersion: row.policy_version,
        channel: row.channel,
        ...(row.store_id !== null && { storeId: row.store_id }),
      },
      at,
    });
    return { record: toRecord(row), duplicate: false };
  });
}

/** A customer's records, oldest decision first (by `at`, then id). */
export async function consentHistory(store: CloudStore, customerId: string): Promise<ConsentRecord[]> {
  const rows = await store.db
    .selectFrom('consent_records')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

/** The current state of every purpose: the last record of it in `history` (oldest first), else denied. */
export function currentConsent(history: readonly ConsentRecord[]): ConsentStatus[] {
  const latest = new Map<ConsentPurpose, ConsentRecord>();
  for (const r of history) latest.set(r.purpose, r);
  return ConsentPurpose.options.map((purpose) => {
    const r = latest.get(purpose);
    return r
      ? { purpose, state: r.state, recordId: r.id, policyVersion: r.policyVersion, at: r.at }
      : { purpose, state: 'denied' };
  });
}

/**
 * Makes the profile's consent flags match the current state of the purposes that have records. The records are
 * read inside `updateCustomer`'s change, so a write racing this one (another capture, a cart) makes it run again
 * on the newer profile and records. A customer with no profile (erased meanwhile) is left alone.
 */
export async function applyConsentToProfile(ctx: FeatureContext, customerId: string): Promise<void> {
  await ctx.store.updateCustomer(customerId, async (profile) => {
    const current = currentConsent(await consentHistory(ctx.store, customerId));
    const consent = { ...profile.consent };
    for (const purpose of FLAG_PURPOSES) {
      const status = current.find((s) => s.purpose === purpose);
      if (status?.recordId !== undefined) consent[purpose] = consentAllows(status.state);
    }
    if (FLAG_PURPOSES.every((p) => consent[p] === profile.consent[p])) return undefined;
    return { ...profile, consent, updatedAt: Math.max(ctx.now(), profile.updatedAt) };
  });
}

/** Who sent a request, as a record keeps it. */
const principalName = (principal: { kind: 'operator' } | { kind: 'store'; storeId: string }) =>
  principal.kind === 'operator' ? OPERATOR_ID : `store:${principal.storeId}`;

/** Registers the consent routes. */
export function registerConsentRoutes(ctx: FeatureContext): void {
  ctx.routes.add(
    {
      method: 'POST',
      url: '/v1/customers/:customerId/consent',
      tag: 'consent',
      summary: 'Record a consent decision',
      description:
        'Appends a record; the latest decision (by `at`, ties by record id) is the current state of its purpose and ' +
        'sets the profile flag (personalization, location) stores pull. A record older than the latest does not ' +
        'change the state. The operator (web shop, app) records through any channel; a store only through ' +
        '`store`, `kiosk` or `staff` and with its own `storeId`. A resent `eventId` gets the first record back. A ' +
        '`policyVersion` never published (`GET /v1/policies`) is a 400 `unknown_policy`. Each record is audited.',
      access: 'any',
      params: CustomerPath,
      body: ConsentCapture,
      response: ConsentRecorded,
      status: 201,
      errors: [404, 409],
    },
    async ({ params, body, req }) => {
      const principal = req.principal!;
      if (principal.kind === 'store') {
        if (!IN_STORE_CONSENT_CHANNELS.includes(body.channel))
          throw forbidden(`a store records consent only through ${IN_STORE_CONSENT_CHANNELS.join(', ')}`);
        if (body.storeId !== principal.storeId) throw forbidden('a store records consent only with its own storeId');
      }
      if (IN_STORE_CONSENT_CHANNELS.includes(body.channel) && body.storeId === undefined)
        throw new HttpError(400, 'store_required', `consent captured through ${body.channel} names its storeId`);
      if (body.at > ctx.now() + MAX_FUTURE_MS)
        throw new HttpError(400, 'consent_in_future', 'the decision is dated in the future');
      if (!(await ctx.store.customer(params.customerId))) throw notFound('no such customer');
      const { record, duplicate } = await recordConsent(
        ctx.store,
        params.customerId,
        body,
        principalName(principal),
        ctx.now(),
      );
      await applyConsentToProfile(ctx, params.customerId);
      const current = currentConsent(await consentHistory(ctx.store, params.customerId));
      return { record, duplicate, current: current.some((s) => s.recordId === record.id) };
    },
  );

  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/consent',
      tag: 'consent',
      summary: "A customer's consent: the current state of every purpose and the whole history",
      description: 'A purpose without records is denied.',
      access: 'operator',
      params: CustomerPath,
      response: ConsentOverview,
      errors: [404],
    },
    async ({ params }) => {
      if (!(await ctx.store.customer(params.customerId))) throw notFound('no such customer');
      const history = await consentHistory(ctx.store, params.customerId);
      return { customerId: params.customerId, current: currentConsent(history), history };
    },
  );
}
