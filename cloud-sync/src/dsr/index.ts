import {
  type ConsentCapture,
  type ConsentPurpose,
  CustomerExport,
  DsrRequest,
  DsrRequestId,
  DsrRequestInput,
  DsrRequests,
  type EraseResult,
  IN_STORE_CONSENT_CHANNELS,
  type PurchaseEntry,
  type Rectification,
} from '@aisle/contracts';
import { z } from 'zod';
import { appendAudit, currentPolicy } from '../audit';
import { OPERATOR_ID } from '../auth';
import { applyConsentToProfile, consentHistory, currentConsent, recordConsent } from '../consent';
import { chunked } from '../customers/feed';
import { identityKey } from '../customers/identities';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import { CustomerPath } from '../route';
import { anonymizePurchases, eraseInTransaction, withoutBuyer } from './erase';
import { buildExport } from './export';
import {
  closeRequest,
  customerSubject,
  erasedAmong,
  findRequest,
  insertRequest,
  isErased,
  requestsByCustomer,
} from './requests';
import { customerExportSchema } from './schema-doc';

/*
 * Data-subject rights (issue #8): export, rectification, erasure, objection, each with a status and an audit trail.
 * A request is carried out when it is submitted: its row is written `received` first, then closed `completed` (or
 * `rejected` with the reason), so a request whose work failed halfway stays visibly open. Audit entries name the
 * request id, never the customer: the log is append-only and must not keep an erased person's id.
 *
 * The functions exported here are the API the "my data" page (/v1/me) builds on; the routes are the operator's.
 */

export { isErased } from './requests';

/** Who the web shop's Global Privacy Control signal is recorded as (`requestedBy`). */
export const GPC_REQUESTER = 'gpc';

/**
 * Everything held about a customer (CustomerExport); HttpError 404 for an unknown or erased customer. Audited as a
 * `dsr.export` by `by` (the operator, or `customer` on the "my data" page).
 */
export async function exportCustomer(
  ctx: FeatureContext,
  customerId: string,
  by = 'customer',
): Promise<CustomerExport> {
  const document = await buildExport(ctx, customerId);
  await appendAudit(ctx.store.db, {
    actor: by,
    action: 'dsr.export',
    subject: customerSubject(customerId),
    detail: { purchases: document.purchases.online.length + document.purchases.inStore.length },
    at: ctx.now(),
  });
  return document;
}

/**
 * Full erasure in one transaction (see erase.ts), recorded as a completed erasure request (`EraseResult.requestId`)
 * whose status the person can still read afterwards, and audited as `by`. HttpError 404 for an unknown customer.
 */
export async function eraseCustomer(ctx: FeatureContext, customerId: string, by: string): Promise<EraseResult> {
  const { counts, ...result } = await ctx.store.db.transaction().execute(async (trx) => {
    const request = await insertRequest(trx, { customerId, kind: 'erasure', by, at: ctx.now() });
    const erased = await eraseInTransaction(ctx, trx, customerId, request.requestId);
    await closeRequest(trx, request.requestId, { status: 'completed', at: ctx.now() });
    await appendAudit(trx, {
      actor: by,
      action: 'dsr.erasure',
      subject: request.requestId,
      detail: { status: 'completed', ...erased.counts },
      at: ctx.now(),
    });
    return erased;
  });
  ctx.logger.info({ requestId: result.requestId, ...counts }, 'customer erased');
  return result;
}

/**
 * Records a request and carries it out at once: the answer is `completed`, or `rejected` with a reason (the
 * customer was erased already, an e-mail or phone given in a rectification belongs to someone else). HttpError 404
 * for a customer that never existed. `by` is who submitted it (`admin`, `customer`, `gpc`).
 */
export async function submitRequest(ctx: FeatureContext, input: DsrRequestInput, by: string): Promise<DsrRequest> {
  const { db } = ctx.store;
  if (!(await ctx.store.customer(input.customerId))) {
    if (!(await isErased(db, input.customerId))) throw notFound('no such customer');
    // the person may ask again after their erasure: they get an answer they can see, not silence
    const request = await insertRequest(db, { customerId: input.customerId, kind: input.kind, by, at: ctx.now() });
    return close(ctx, request, by, 'rejected', 'the customer was erased: nothing is held about them');
  }
  if (input.kind === 'erasure') {
    const { requestId } = await eraseCustomer(ctx, input.customerId, by);
    return (await findRequest(db, requestId!))!;
  }
  if (input.kind === 'objection' && IN_STORE_CONSENT_CHANNELS.includes(input.channel) && !input.storeId)
    throw new HttpError(400, 'store_required', `an objection made through ${input.channel} names its storeId`);
  const request = await insertRequest(db, {
    customerId: input.customerId,
    kind: input.kind,
    by,
    at: ctx.now(),
    detail:
      input.kind === 'rectification'
        ? { fields: Object.keys(input.changes).sort() }
        : input.kind === 'objection'
          ? { purposes: [...new Set(input.purposes)] }
          : {},
  });
  try {
    if (input.kind === 'rectification') await rectify(ctx, input.customerId, input.changes);
    else if (input.kind === 'objection') await object(ctx, input, request.requestId, by);
    // access: nothing to change; the export is read with GET /v1/customers/{id}/export (or on the "my data" page)
  } catch (err) {
    if (err instanceof HttpError && err.statusCode < 500) return close(ctx, request, by, 'rejected', err.message);
    throw err;
  }
  return close(ctx, request, by, 'completed');
}

async function close(
  ctx: FeatureContext,
  request: DsrRequest,
  by: string,
  status: 'completed' | 'rejected',
  reason?: string,
): Promise<DsrRequest> {
  return ctx.store.db.transaction().execute(async (trx) => {
    const closed = await closeRequest(trx, request.requestId, { status, at: ctx.now(), reason });
    await appendAudit(trx, {
      actor: by,
      action: `dsr.${request.kind}`,
      subject: request.requestId,
      detail: {
        status,
        ...(request.fields && { fields: request.fields }),
        ...(request.purposes && { purposes: request.purposes }),
      },
      at: ctx.now(),
    });
    return closed;
  });
}

/** A request's status, or undefined when there is no such request. */
export async function requestStatus(ctx: FeatureContext, requestId: string): Promise<DsrRequest | undefined> {
  return findRequest(ctx.store.db, requestId);
}

/** A customer's requests, newest first (found by the hash of the id, so they outlive an erasure). */
export async function requestsOf(ctx: FeatureContext, customerId: string): Promise<DsrRequest[]> {
  return requestsByCustomer(ctx.store.db, customerId);
}

/**
 * Applies a rectification: an e-mail or phone replaces the customer's identity of that kind (kept as its hash; a
 * value another customer holds is refused, 409: that is a merge, not a correction), then the profile fields change
 * through `updateCustomer`, so every store caching the profile gets them by its feed.
 */
async function rectify(ctx: FeatureContext, customerId: string, changes: Rectification): Promise<void> {
  const replaced: { kind: 'email' | 'phone'; hash?: string }[] = [];
  for (const kind of ['email', 'phone'] as const) {
    const value = changes[kind];
    if (value === undefined) continue;
    const key = value === null ? undefined : identityKey(kind === 'email' ? { kind, value } : { kind, value });
    replaced.push({ kind, ...(key && { hash: key.valueHash }) });
  }
  if (replaced.length > 0)
    await ctx.store.db.transaction().execute(async (trx) => {
      for (const { kind, hash } of replaced) {
        if (hash !== undefined) {
          const owner = await trx
            .selectFrom('identities')
            .select('customer_id')
            .where('kind', '=', kind)
            .where('value_hash', '=', hash)
            .executeTakeFirst();
          if (owner && owner.customer_id !== customerId)
            throw new HttpError(409, 'identity_taken', `that ${kind} belongs to another customer`);
          if (owner) continue;
        }
        await trx.deleteFrom('identities').where('customer_id', '=', customerId).where('kind', '=', kind).execute();
        if (hash !== undefined)
          await trx
            .insertInto('identities')
            .values({ kind, value_hash: hash, customer_id: customerId, created_at: ctx.now() })
            .execute();
      }
    });
  const phone = replaced.find((r) => r.kind === 'phone');
  const written = await ctx.store.updateCustomer(customerId, (profile) => {
    const next = { ...profile, updatedAt: Math.max(ctx.now(), profile.updatedAt) };
    if (changes.firstName !== undefined) next.firstName = changes.firstName;
    if (changes.segment !== undefined) next.segment = changes.segment;
    if (changes.homeStoreId === null) delete next.homeStoreId;
    else if (changes.homeStoreId !== undefined) next.homeStoreId = changes.homeStoreId;
    if (changes.favouriteCategories !== undefined) next.favouriteCategories = changes.favouriteCategories;
    if (changes.tastes !== undefined) next.tastes = changes.tastes;
    if (changes.excludedCategories !== undefined) next.excludedCategories = changes.excludedCategories;
    if (phone?.hash === undefined && phone !== undefined) delete next.phoneHash;
    else if (phone?.hash !== undefined) next.phoneHash = phone.hash;
    return next;
  });
  if (!written) throw notFound('no such customer');
}

/**
 * The policy version an objection is recorded under: the one the purpose's current decision names, else the version
 * in force (a record must name a published policy).
 */
async function policyFor(ctx: FeatureContext, current: { policyVersion?: string }): Promise<string> {
  if (current.policyVersion) return current.policyVersion;
  const inForce = await currentPolicy(ctx.store, ctx.now());
  if (!inForce) throw new HttpError(409, 'no_policy', 'no privacy policy is in force to record the objection under');
  return inForce.version;
}

/**
 * An objection: each purpose gets a consent record, `withdrawn` where it was granted, else `denied` (an explicit no
 * where there was only the default), through the consent records (audited there) and into the profile flags.
 */
async function object(
  ctx: FeatureContext,
  input: Extract<DsrRequestInput, { kind: 'objection' }>,
  requestId: string,
  by: string,
): Promise<void> {
  const current = currentConsent(await consentHistory(ctx.store, input.customerId));
  for (const purpose of new Set<ConsentPurpose>(input.purposes)) {
    const status = current.find((s) => s.purpose === purpose)!;
    const capture: ConsentCapture = {
      purpose,
      state: status.state === 'granted' ? 'withdrawn' : 'denied',
      policyVersion: await policyFor(ctx, status),
      channel: input.channel,
      ...(input.storeId !== undefined && { storeId: input.storeId }),
      at: ctx.now(),
      // one record per request and purpose, however often the request is carried out
      eventId: `${requestId}.${purpose}`,
    };
    await recordConsent(ctx.store, input.customerId, capture, by, ctx.now());
  }
  await applyConsentToProfile(ctx, input.customerId);
}

/**
 * The Global Privacy Control signal of a web-shop request (`Sec-GPC: 1` or the batch's `gpc`): an opt-out of sale
 * and sharing for each signed-in customer it names, recorded once as an objection to marketing (channel web). Once
 * means: only while marketing is granted or was never decided; a customer who has said no already (by GPC or
 * otherwise) gets nothing new, so a shop sending the signal on every request does not grow the records.
 */
export async function honourGpc(ctx: FeatureContext, customerIds: readonly string[]): Promise<number> {
  let recorded = 0;
  for (const customerId of [...new Set(customerIds)].sort()) {
    if (!(await ctx.store.customer(customerId))) continue;
    const history = await consentHistory(ctx.store, customerId);
    const marketing = currentConsent(history).find((s) => s.purpose === 'marketing')!;
    if (marketing.recordId !== undefined && marketing.state !== 'granted') continue;
    const request = await submitRequest(
      ctx,
      { kind: 'objection', customerId, purposes: ['marketing'], channel: 'web' },
      GPC_REQUESTER,
    );
    if (request.status === 'completed') recorded++;
  }
  return recorded;
}

/**
 * A store's purchase batch with the customers erased taken out (their id and shopper device dropped): a till or
 * an offline store may send a sale of an erased customer long after, and it is kept only as an anonymous sale.
 */
export async function withoutErased<B extends { entries: readonly PurchaseEntry[] }>(
  ctx: FeatureContext,
  batch: B,
): Promise<B> {
  const ids = batch.entries.flatMap((e) => (e.purchase.customerId ? [e.purchase.customerId] : []));
  if (ids.length === 0) return batch;
  const erased = await erasedAmong(ctx.store.db, ids);
  if (erased.size === 0) return batch;
  return {
    ...batch,
    entries: batch.entries.map((e) => {
      if (!e.purchase.customerId || !erased.has(e.purchase.customerId)) return e;
      return { ...e, purchase: withoutBuyer(e.purchase) };
    }),
  };
}

/**
 * After a batch was stored: purchases of customers erased while it was being applied (the erasure committed between
 * `withoutErased` and the batch) are anonymized too. Returns how many.
 */
export async function anonymizeLateErased(ctx: FeatureContext, customerIds: readonly string[]): Promise<number> {
  if (customerIds.length === 0) return 0;
  const erased = [...(await erasedAmong(ctx.store.db, customerIds))];
  if (erased.length === 0) return 0;
  let count = 0;
  for (const part of chunked(erased))
    count += await ctx.store.db.transaction().execute((trx) => anonymizePurchases(trx, part));
  return count;
}

const RequestPath = z.object({ requestId: DsrRequestId });

/** Registers the operator's DSR routes and the export's published JSON Schema. */
export function registerDsrRoutes(ctx: FeatureContext): void {
  const { routes } = ctx;

  routes.add(
    {
      method: 'POST',
      url: '/v1/dsr/requests',
      tag: 'privacy',
      summary: 'Submit a data-subject request (access, rectification, erasure, objection)',
      description:
        'Carried out at once. access: the export is then read at `GET /v1/customers/{customerId}/export`. ' +
        'rectification: the fields change in the profile (stores get them by their feed); e-mail and phone replace ' +
        'the identity of that kind, kept as a hash. erasure: as `DELETE /v1/customers/{customerId}`. objection: each ' +
        'purpose gets a consent record withdrawn (or denied). The request keeps only a hash of the customer id, so ' +
        'its status stays readable after an erasure; it is due 30 days after receipt. A request about an erased ' +
        'customer is recorded and rejected; an unknown customer is 404.',
      access: 'operator',
      body: DsrRequestInput,
      response: DsrRequest,
      status: 201,
      errors: [404],
    },
    async ({ body }) => submitRequest(ctx, body, OPERATOR_ID),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/dsr/requests/:requestId',
      tag: 'privacy',
      summary: "A data-subject request's status",
      access: 'operator',
      params: RequestPath,
      response: DsrRequest,
      errors: [404],
    },
    async ({ params }) => {
      const request = await requestStatus(ctx, params.requestId);
      if (!request) throw notFound('no such request');
      return request;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/dsr',
      tag: 'privacy',
      summary: "A customer's data-subject requests, newest first (also after their erasure)",
      access: 'operator',
      params: CustomerPath,
      response: DsrRequests,
    },
    async ({ params }) => ({ requests: await requestsOf(ctx, params.customerId) }),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/export',
      tag: 'privacy',
      summary: 'Everything held about a customer, machine-readable (GDPR access and portability)',
      description:
        'Profile, identities (e-mail and phone as hashes), consent (current and history), cart and every cart ' +
        'edit, web events, purchases online and in store, what each store holds and why, merges, data-subject ' +
        'requests and the training runs their purchases fed. JSON Schema: `GET /v1/schemas/customer-export.json`. ' +
        '404 for an unknown or erased customer.',
      access: 'operator',
      params: CustomerPath,
      response: CustomerExport,
      errors: [404],
    },
    async ({ params }) => exportCustomer(ctx, params.customerId, OPERATOR_ID),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/schemas/customer-export.json',
      tag: 'privacy',
      summary: 'The JSON Schema of the customer export',
      access: 'public',
      response: z.record(z.string(), z.unknown()),
    },
    async () => customerExportSchema(),
  );
}
