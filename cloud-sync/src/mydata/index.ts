import {
  CustomerExport,
  DsrRequest,
  DsrRequestId,
  type HoldingReason,
  MyConsent,
  MyConsentChange,
  MyConsentPath,
  MyData,
  MyDataLink,
  MyErasure,
  type MyPurchase,
} from '@aisle/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { appendAudit } from '../audit';
import { forbidden, OPERATOR_ID } from '../auth';
import { applyConsentToProfile, consentHistory, currentConsent, recordConsent } from '../consent';
import { inStoreScope } from '../customers';
import { identitiesOf } from '../customers/identities';
import { exportCustomer, requestStatus, requestsOf, submitRequest } from '../dsr';
import { customerHash, customerSubject } from '../dsr/requests';
import type { FeatureContext } from '../feature';
import { notFound } from '../http';
import { CustomerPath, StorePath } from '../route';
import type { PersonalLinks, PersonalSubject } from './links';
import { myDataPage } from './page';

/*
 * The "my data" page (issue #8), served by the cloud and opened from a kiosk's QR code with a personal link. A store
 * mints a link for a customer in its scope (the shopper identified at its kiosk), the operator for anyone; the page
 * then reads and changes the person's data through `/v1/me…` with that link alone. Export and erasure are the
 * data-subject-rights functions of dsr/, so the page and the operator's API do exactly the same thing.
 */

export interface MyDataOptions {
  links: PersonalLinks;
  /** The cloud's public address; else the request's own scheme and host. */
  publicUrl?: string;
}

/** Who recorded a change made on the page (consent records, DSR requests). */
const BY_PERSON = 'customer';

/** The customer a personal link speaks for; a request's status link may only read that request. */
function personOf(req: FastifyRequest): string {
  const personal = req.personal;
  if (personal?.kind !== 'person') throw forbidden('this link only shows the status of one request');
  return personal.customerId;
}

export function registerMyDataRoutes(ctx: FeatureContext, opts: MyDataOptions): void {
  const { store, routes, now } = ctx;

  const base = (req: FastifyRequest) => (opts.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
  /** Mints a link, audited with who asked (the customer only as a hash: the log outlives an erasure). */
  const linkTo = async (req: FastifyRequest, customerId: string, actor: string): Promise<MyDataLink> => {
    const { token, expiresAt } = opts.links.forCustomer(customerId);
    await appendAudit(store.db, {
      actor,
      action: 'mydata.link',
      subject: customerSubject(customerId),
      detail: { expiresAt },
      at: now(),
    });
    return { url: `${base(req)}/my-data#t=${token}`, expiresAt };
  };

  /** The profile of the link's customer, or 404: erased (or merged away) since the link was made. */
  const profileOf = async (customerId: string) => {
    const profile = await store.customer(customerId);
    if (!profile) throw notFound('no data is held for this link any more');
    return profile;
  };

  routes.add(
    {
      method: 'POST',
      url: '/v1/stores/:storeId/customers/:customerId/my-data-link',
      tag: 'my data',
      summary: 'A personal "my data" link for a customer in the store (shown as a QR code at its kiosk)',
      description:
        'The link opens the page with a token valid for 15 minutes, in the URL fragment (never sent to a server). ' +
        "A customer outside the store's scope does not exist for it (404).",
      access: 'store',
      params: StorePath.extend(CustomerPath.shape),
      response: MyDataLink,
      status: 201,
      errors: [404],
    },
    async ({ params, req }) => {
      if (!(await inStoreScope(store, params.storeId, params.customerId)) || !(await store.customer(params.customerId)))
        throw notFound('no such customer');
      return linkTo(req, params.customerId, `store:${params.storeId}`);
    },
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/customers/:customerId/my-data-link',
      tag: 'my data',
      summary: 'A personal "my data" link for any customer (sent by the back office, e.g. by e-mail)',
      access: 'operator',
      params: CustomerPath,
      response: MyDataLink,
      status: 201,
      errors: [404],
    },
    async ({ params, req }) => {
      if (!(await store.customer(params.customerId))) throw notFound('no such customer');
      return linkTo(req, params.customerId, OPERATOR_ID);
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/me',
      tag: 'my data',
      summary: 'What is held about the person, where it is kept and what it was used for',
      description: "The link's customer only. 404 once their data is erased.",
      access: 'person',
      response: MyData,
      errors: [403, 404],
    },
    async ({ req }) => {
      const customerId = personOf(req);
      const profile = await profileOf(customerId);
      const [identities, history, holdings, purchaseRows, requests] = await Promise.all([
        identitiesOf(store.db, customerId),
        consentHistory(store, customerId),
        store.db
          .selectFrom('customer_stores')
          .select(['store_id', 'reason', 'last_at'])
          .where('customer_id', '=', customerId)
          .orderBy('store_id')
          .execute(),
        store.db
          .selectFrom('purchases')
          .select(['event_id', 'store_id', 'ts', 'payload', 'received_at'])
          .where('customer_id', '=', customerId)
          .orderBy('ts', 'desc')
          .execute(),
        requestsOf(ctx, customerId),
      ]);
      const current = currentConsent(history);

      const stores = new Map<string, { reasons: HoldingReason[]; since: number }>();
      for (const h of holdings) {
        const entry = stores.get(h.store_id) ?? { reasons: [], since: Number(h.last_at) };
        entry.reasons.push(h.reason === 'nearby' ? 'lookup' : h.reason); // the export's word for it
        entry.since = Math.min(entry.since, Number(h.last_at));
        stores.set(h.store_id, entry);
      }

      const purchases = purchaseRows.map((r): MyPurchase => {
        const p = JSON.parse(r.payload) as { lines?: { quantity: number }[]; total: number; currency: string };
        return {
          eventId: r.event_id,
          storeId: r.store_id,
          items: (p.lines ?? []).reduce((n, l) => n + l.quantity, 0),
          total: p.total,
          currency: p.currency,
          at: Number(r.ts),
        };
      });

      // a run trained on every purchase received up to its data_until: it used the person's data when one of theirs
      // had arrived by then
      const firstReceived = Math.min(...purchaseRows.map((r) => Number(r.received_at)));
      const runs = Number.isFinite(firstReceived)
        ? await store.db
            .selectFrom('training_runs')
            .select(['id', 'version', 'finished_at', 'data_until'])
            .where('status', '=', 'succeeded')
            .where('data_until', '>=', firstReceived)
            .orderBy('started_at', 'desc')
            .execute()
        : [];

      return {
        customerId,
        profile: {
          ...(profile.firstName !== undefined && { firstName: profile.firstName }),
          ...(profile.segment !== undefined && { segment: profile.segment }),
          ...(profile.homeStoreId !== undefined && { homeStoreId: profile.homeStoreId }),
          favouriteCategories: profile.favouriteCategories,
          excludedCategories: profile.excludedCategories,
          onlineCartItems: profile.onlineCart.reduce((n, l) => n + l.quantity, 0),
          updatedAt: profile.updatedAt,
        },
        identities: identities.map((i) => ({ kind: i.kind, since: i.since })),
        consent: { current, history },
        stores: [...stores].map(([storeId, s]) => ({ storeId, ...s })),
        purchases,
        usedIn: {
          // the profile's flag is what stores act on (it follows the consent records once there are any)
          personalizedIn: profile.consent.personalization ? [...stores.keys()] : [],
          trainingRuns: runs.map((r) => ({
            runId: r.id,
            version: r.version,
            at: Number(r.finished_at ?? r.data_until),
          })),
        },
        requests,
        linkExpiresAt: req.personal!.expiresAt,
      };
    },
  );

  routes.add(
    {
      method: 'PUT',
      url: '/v1/me/consent/:purpose',
      tag: 'my data',
      summary: 'Grant or withdraw consent for one purpose',
      description:
        "Recorded as the person's decision through the `web` channel under the policy version the page showed; " +
        'stores learn it on their next profile pull.',
      access: 'person',
      params: MyConsentPath,
      body: MyConsentChange,
      response: MyConsent,
      errors: [403, 404],
    },
    async ({ params, body, req }) => {
      const customerId = personOf(req);
      await profileOf(customerId);
      const at = now();
      await recordConsent(
        store,
        customerId,
        { purpose: params.purpose, state: body.state, policyVersion: body.policyVersion, channel: 'web', at },
        BY_PERSON,
        at,
      );
      await applyConsentToProfile(ctx, customerId);
      return { current: currentConsent(await consentHistory(store, customerId)) };
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/me/export',
      tag: 'my data',
      summary: 'Download everything held about the person (JSON)',
      description: "The same document as the operator's export, as a file to save.",
      access: 'person',
      response: CustomerExport,
      errors: [403, 404],
    },
    async ({ req, reply }) => {
      const customerId = personOf(req);
      const document = await exportCustomer(ctx, customerId);
      reply.header('content-disposition', `attachment; filename="my-data-${customerId}.json"`);
      reply.header('cache-control', 'no-store');
      return document;
    },
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/me/erasure',
      tag: 'my data',
      summary: 'Erase everything held about the person',
      description:
        'Carried out at once as a data-subject erasure request. The answer carries a status link that names only ' +
        'the request, so the person can still see it was done after their data is gone.',
      access: 'person',
      response: MyErasure,
      status: 201,
      errors: [403, 404],
    },
    async ({ req }) => {
      const customerId = personOf(req);
      await profileOf(customerId);
      const request = await submitRequest(ctx, { kind: 'erasure', customerId }, BY_PERSON);
      const { token, expiresAt } = opts.links.forRequest(request.requestId);
      return { request, statusUrl: `${base(req)}/my-data#r=${token}`, statusExpiresAt: expiresAt };
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/me/requests/:requestId',
      tag: 'my data',
      summary: "A data-subject request's status",
      description:
        "With the person's link (their own requests) or the request's status link (that request only); others " +
        'do not exist (404).',
      access: 'person',
      params: z.object({ requestId: DsrRequestId }),
      response: DsrRequest,
      errors: [404],
    },
    async ({ params, req }) => {
      const request = await requestStatus(ctx, params.requestId);
      if (!request || !mayRead(req.personal!, request)) throw notFound('no such request');
      return request;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/my-data',
      tag: 'my data',
      summary: 'The "my data" page (HTML); the personal link carries its token in the fragment',
      access: 'public',
      response: z.string(),
    },
    async ({ reply }) => {
      const page = myDataPage();
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', page.csp)
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store');
      return page.html;
    },
  );
}

/** Whether a link may read a request: its own status link, or the person the request is about. */
function mayRead(personal: PersonalSubject, request: DsrRequest): boolean {
  return personal.kind === 'requester'
    ? personal.requestId === request.requestId
    : customerHash(personal.customerId) === request.customerHash;
}
