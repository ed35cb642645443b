import { createHash, randomBytes } from 'node:crypto';
import { type DsrKind, DsrRequest, type DsrStatus } from '@aisle/contracts';
import type { Kysely, Transaction } from 'kysely';
import type { CloudTables } from '../store';

/*
 * The request rows: a request names its customer only by the hash of the id, so it outlives an erasure (the person
 * can still see its status) without holding their data.
 */

export type Db = Kysely<CloudTables> | Transaction<CloudTables>;
type Row = CloudTables['dsr_requests'];

/** GDPR's "one month" to answer, counted as 30 days from receipt. */
export const DSR_DUE_MS = 30 * 86_400_000;

/** How a request and the erased list name a customer: sha256 (hex) of the id. */
export const customerHash = (customerId: string) => createHash('sha256').update(customerId).digest('hex');

/**
 * How the audit log names a customer: by hash, never by id. The log cannot forget, and an erased customer's id must
 * not stay in it; the hash still lets an auditor who is given the id find its entries.
 */
export const customerSubject = (customerId: string) => `customer-sha256:${customerHash(customerId)}`;

const newRequestId = () => `dsr-${randomBytes(12).toString('base64url')}`;

/** What a request names besides its kind: field names or purposes, never values. */
export interface RequestDetail {
  fields?: string[];
  purposes?: string[];
}

const toRequest = (r: Row): DsrRequest => {
  const detail = JSON.parse(r.detail) as RequestDetail;
  return DsrRequest.parse({
    requestId: r.request_id,
    kind: r.kind,
    customerHash: r.customer_hash,
    status: r.status,
    receivedAt: Number(r.received_at),
    dueAt: Number(r.due_at),
    ...(r.completed_at !== null && { completedAt: Number(r.completed_at) }),
    ...(r.reason !== null && { reason: r.reason }),
    requestedBy: r.requested_by,
    ...detail,
  });
};

/** Records a request as received. */
export async function insertRequest(
  db: Db,
  request: { customerId: string; kind: DsrKind; by: string; at: number; detail?: RequestDetail },
): Promise<DsrRequest> {
  const row: Row = {
    request_id: newRequestId(),
    customer_hash: customerHash(request.customerId),
    kind: request.kind,
    status: 'received',
    received_at: request.at,
    due_at: request.at + DSR_DUE_MS,
    completed_at: null,
    reason: null,
    requested_by: request.by,
    detail: JSON.stringify(request.detail ?? {}),
  };
  await db.insertInto('dsr_requests').values(row).execute();
  return toRequest(row);
}

/** Closes a request: completed, or rejected with the reason. */
export async function closeRequest(
  db: Db,
  requestId: string,
  outcome: { status: Exclude<DsrStatus, 'received'>; at: number; reason?: string },
): Promise<DsrRequest> {
  await db
    .updateTable('dsr_requests')
    .set({ status: outcome.status, completed_at: outcome.at, reason: outcome.reason ?? null })
    .where('request_id', '=', requestId)
    .execute();
  return (await findRequest(db, requestId))!;
}

export async function findRequest(db: Db, requestId: string): Promise<DsrRequest | undefined> {
  const row = await db.selectFrom('dsr_requests').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  return row && toRequest(row);
}

/** A customer's requests, newest first. */
export async function requestsByCustomer(db: Db, customerId: string): Promise<DsrRequest[]> {
  const rows = await db
    .selectFrom('dsr_requests')
    .selectAll()
    .where('customer_hash', '=', customerHash(customerId))
    .orderBy('received_at', 'desc')
    .orderBy('request_id', 'desc')
    .execute();
  return rows.map(toRequest);
}

/** Whether the customer id was erased. */
export async function isErased(db: Db, customerId: string): Promise<boolean> {
  const row = await db
    .selectFrom('erased_customers')
    .select('customer_hash')
    .where('customer_hash', '=', customerHash(customerId))
    .executeTakeFirst();
  return row !== undefined;
}

/** Of `customerIds`, those erased. */
export async function erasedAmong(db: Db, customerIds: readonly string[]): Promise<Set<string>> {
  const byHash = new Map([...new Set(customerIds)].map((id) => [customerHash(id), id]));
  const out = new Set<string>();
  const hashes = [...byHash.keys()];
  for (let i = 0; i < hashes.length; i += 500)
    for (const r of await db
      .selectFrom('erased_customers')
      .select('customer_hash')
      .where('customer_hash', 'in', hashes.slice(i, i + 500))
      .execute())
      out.add(byHash.get(r.customer_hash)!);
  return out;
}
