import { PolicyDocument, PolicyList, PolicyPublish, PolicyTexts, PolicyVersion } from '@aisle/contracts';
import { canonicalJson } from '@aisle/contracts/audit-chain';
import { sql } from 'kysely';
import { z } from 'zod';
import { OPERATOR_ID } from '../auth';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import type { CloudStore, CloudTables } from '../store';
import { appendAudit } from './log';

/*
 * Versioned privacy-policy texts. A consent record names the version the customer was shown, so a published
 * version never changes: publishing the same version again with the same texts is a no-op, with other texts a 409.
 * The current version is the one with the latest effective date on or before today (UTC).
 */

type Row = CloudTables['policy_versions'];

/** `current` names the version in force, so it cannot be a version's name. */
const VersionPath = z.object({ version: PolicyVersion.refine((v) => v !== 'current', '"current" is reserved') });

const toDocument = (r: Row): PolicyDocument => ({
  version: r.version,
  effectiveFrom: r.effective_from,
  texts: PolicyTexts.parse(JSON.parse(r.texts)),
  publishedAt: Number(r.published_at),
});

/** The version in force at `now`: latest effective date on or before that day, ties by publication. */
export async function currentVersion(store: CloudStore, now: number): Promise<Row | undefined> {
  const today = new Date(now).toISOString().slice(0, 10);
  return store.db
    .selectFrom('policy_versions')
    .selectAll()
    .where('effective_from', '<=', today)
    .orderBy('effective_from', 'desc')
    .orderBy('published_at', 'desc')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function registerPolicyRoutes(ctx: FeatureContext): void {
  const { store } = ctx;

  ctx.routes.add(
    {
      method: 'PUT',
      url: '/v1/policies/:version',
      tag: 'policies',
      summary: 'Publish a policy version',
      description:
        'Texts per consent purpose in English and Korean, and the day it takes effect. A version is immutable once ' +
        'published: the same body again answers the stored version, a different one is a 409.',
      access: 'operator',
      params: VersionPath,
      body: PolicyPublish,
      response: PolicyDocument,
      errors: [409],
    },
    async ({ params, body }) => {
      return store.db.transaction().execute(async (trx) => {
        // one publisher per version on PostgreSQL, so two racing PUTs of different texts cannot both win
        if (store.dialect === 'postgres')
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`policy:${params.version}`}))`.execute(trx);
        const seen = await trx
          .selectFrom('policy_versions')
          .selectAll()
          .where('version', '=', params.version)
          .executeTakeFirst();
        if (seen) {
          const stored = toDocument(seen);
          const same =
            stored.effectiveFrom === body.effectiveFrom && canonicalJson(stored.texts) === canonicalJson(body.texts);
          if (!same)
            throw new HttpError(409, 'policy_published', `policy ${params.version} is published and cannot change`);
          return stored;
        }
        const row: Row = {
          version: params.version,
          effective_from: body.effectiveFrom,
          texts: JSON.stringify(body.texts),
          published_at: ctx.now(),
          published_by: OPERATOR_ID,
        };
        await trx.insertInto('policy_versions').values(row).execute();
        await appendAudit(trx, {
          actor: OPERATOR_ID,
          action: 'policy.published',
          subject: params.version,
          detail: { effectiveFrom: body.effectiveFrom },
          at: ctx.now(),
        });
        return toDocument(row);
      });
    },
  );

  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/policies',
      tag: 'policies',
      summary: 'The published policy versions',
      access: 'public',
      response: PolicyList,
    },
    async () => {
      const rows = await store.db
        .selectFrom('policy_versions')
        .select(['version', 'effective_from', 'published_at'])
        .orderBy('effective_from')
        .orderBy('published_at')
        .execute();
      const current = await currentVersion(store, ctx.now());
      return {
        versions: rows.map((r) => ({
          version: r.version,
          effectiveFrom: r.effective_from,
          publishedAt: Number(r.published_at),
        })),
        ...(current && { current: current.version }),
      };
    },
  );

  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/policies/current',
      tag: 'policies',
      summary: 'The policy version in force today',
      access: 'public',
      response: PolicyDocument,
      errors: [404],
    },
    async () => {
      const row = await currentVersion(store, ctx.now());
      if (!row) throw notFound('no policy version is in force yet');
      return toDocument(row);
    },
  );

  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/policies/:version',
      tag: 'policies',
      summary: 'One policy version',
      access: 'public',
      params: VersionPath,
      response: PolicyDocument,
      errors: [404],
    },
    async ({ params }) => {
      const row = await store.db
        .selectFrom('policy_versions')
        .selectAll()
        .where('version', '=', params.version)
        .executeTakeFirst();
      if (!row) throw notFound(`no policy version ${params.version}`);
      return toDocument(row);
    },
  );
}
