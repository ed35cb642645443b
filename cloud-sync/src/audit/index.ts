import { AuditPage, AuditQuery } from '@aisle/contracts';
import type { FeatureContext } from '../feature';
import { auditEntries } from './log';
import { registerPolicyRoutes } from './policies';

export { type AuditInput, appendAudit, auditEntries } from './log';
export { currentVersion as currentPolicy } from './policies';

/*
 * The append-only, hash-chained audit log and versioned policy texts (issue #8). See log.ts for the chain and
 * policies.ts for the texts.
 */

export function registerAuditRoutes(ctx: FeatureContext): void {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/audit',
      tag: 'audit',
      summary: 'Page through the audit log',
      description:
        'Entries with seq above `after`, oldest first. Each carries the previous hash, so a reader can check the ' +
        'chain (`aisle audit verify`). `next` is the `after` of the next page; absent on the last.',
      access: 'operator',
      query: AuditQuery,
      response: AuditPage,
    },
    async ({ query }) => {
      const entries = await auditEntries(ctx.store.db, query.after, query.limit);
      const counter = await ctx.store.db
        .selectFrom('counters')
        .select('value')
        .where('name', '=', 'audit')
        .executeTakeFirstOrThrow();
      // the counter commits with its entry, so its committed value is the newest entry's seq
      const last = entries.at(-1)?.seq ?? query.after;
      const headSeq = Math.max(last, Number(counter.value));
      return { entries, headSeq, ...(entries.length === query.limit && last < headSeq && { next: last }) };
    },
  );
  registerPolicyRoutes(ctx);
}
