import {
  type AuditEntry,
  type AuditPage,
  CustomerProfile,
  type ModelCardDocument,
  type PolicyPublish,
  schemaExamples,
} from '@aisle/contracts';
import { GENESIS_HASH, verifyAuditChain } from '@aisle/contracts/audit-chain';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Cloud } from '../app';
import { customerSubject } from '../dsr/requests';
import { cloudPerTest, testBackends } from '../testing';
import { releaseModel } from '../training/release';
import { appendAudit } from '.';

const NOW = Date.UTC(2026, 5, 1);
const customer = CustomerProfile.parse(schemaExamples.CustomerProfile.example);
const ID = customer.customerId;

const texts = (suffix: string): PolicyPublish['texts'] => ({
  location: { en: `Location ${suffix}`, ko: `위치 ${suffix}` },
  personalization: { en: `Personalization ${suffix}`, ko: `개인화 ${suffix}` },
  marketing: { en: `Marketing ${suffix}`, ko: `마케팅 ${suffix}` },
  analytics: { en: `Analytics ${suffix}`, ko: `분석 ${suffix}` },
});

describe.each(testBackends())('audit log and policy texts on $name', (backend) => {
  const { start: startCloud, send } = cloudPerTest(backend, { now: NOW });
  const start = (customers = [customer]) => startCloud({ catalog: schemaExamples.Catalog.example, customers });

  /** Every entry through the API, a page of `limit` at a time. */
  async function readAll(limit = 2): Promise<AuditEntry[]> {
    const all: AuditEntry[] = [];
    let after = 0;
    for (;;) {
      const res = await send({ method: 'GET', url: `/v1/audit?after=${after}&limit=${limit}` });
      expect(res.statusCode).toBe(200);
      const page: AuditPage = res.json();
      all.push(...page.entries);
      if (page.next === undefined) return all;
      after = page.next;
    }
  }

  const consent = (purpose: string, policyVersion = '2026-01') =>
    send({
      method: 'POST',
      url: `/v1/customers/${ID}/consent`,
      payload: { purpose, state: 'granted', policyVersion, channel: 'web', at: NOW - 1000 },
    });

  /** Five entries: four consent records and one from a job. */
  async function fiveEntries(c: Cloud) {
    for (const purpose of ['location', 'personalization', 'marketing', 'analytics'])
      expect((await consent(purpose)).statusCode).toBe(201);
    await appendAudit(c.store.db, { actor: 'system:test', action: 'test.done', detail: { n: 5 }, at: NOW });
  }

  it('chains entries from seq 1 and pages through them; the chain verifies', async () => {
    const c = await start();
    await fiveEntries(c);
    const entries = await readAll();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]).toMatchObject({
      actor: 'admin',
      action: 'consent.recorded',
      subject: customerSubject(ID), // by hash: the log cannot forget an erased customer's id
      detail: { recordId: 1, purpose: 'location', state: 'granted', policyVersion: '2026-01', channel: 'web' },
      prevHash: GENESIS_HASH,
    });
    expect(entries[4]).toMatchObject({ actor: 'system:test', detail: { n: 5 } });
    expect(entries[4]).not.toHaveProperty('subject');
    const verdict = verifyAuditChain(entries);
    expect(verdict).toEqual({ ok: true, count: 5, head: { seq: 5, hash: entries[4]!.hash } });
    // the last page says so; a bad query is a 400
    const last: AuditPage = (await send({ method: 'GET', url: '/v1/audit?after=3&limit=10' })).json();
    expect(last).toMatchObject({ headSeq: 5 });
    expect(last.next).toBeUndefined();
    expect((await send({ method: 'GET', url: '/v1/audit?limit=0' })).statusCode).toBe(400);
    // operator only
    expect((await c.app.inject({ method: 'GET', url: '/v1/audit' })).statusCode).toBe(401);
  });

  it('the database refuses to change or delete an entry', async () => {
    const c = await start();
    await fiveEntries(c);
    await expect(sql`UPDATE audit_log SET detail = '{}' WHERE seq = 2`.execute(c.store.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_log WHERE seq = 2`.execute(c.store.db)).rejects.toThrow(/append-only/);
    expect(verifyAuditChain(await readAll()).ok).toBe(true);
  });

  describe('tampering (with the triggers dropped) is found at its seq', () => {
    async function tamperable() {
      const c = await start();
      await fiveEntries(c);
      if (c.store.dialect === 'sqlite') {
        await sql`DROP TRIGGER audit_log_no_update`.execute(c.store.db);
        await sql`DROP TRIGGER audit_log_no_delete`.execute(c.store.db);
      } else await sql`DROP TRIGGER audit_log_no_change ON audit_log`.execute(c.store.db);
      return c;
    }

    it('a changed detail', async () => {
      const c = await tamperable();
      await sql`UPDATE audit_log SET detail = ${'{"purpose":"marketing"}'} WHERE seq = 3`.execute(c.store.db);
      expect(verifyAuditChain(await readAll())).toMatchObject({ ok: false, seq: 3, reason: 'hash_mismatch' });
    });

    it('a changed entry whose hash was recomputed breaks the next link', async () => {
      const c = await tamperable();
      const entries = await readAll();
      const forged = { ...entries[1]!, actor: 'store:elsewhere' };
      const { auditHash } = await import('@aisle/contracts/audit-chain');
      await sql`UPDATE audit_log SET actor = ${forged.actor}, hash = ${auditHash(forged)} WHERE seq = 2`.execute(
        c.store.db,
      );
      expect(verifyAuditChain(await readAll())).toMatchObject({ ok: false, seq: 3, reason: 'broken_link' });
    });

    it('a deleted entry', async () => {
      const c = await tamperable();
      await sql`DELETE FROM audit_log WHERE seq = 4`.execute(c.store.db);
      expect(verifyAuditChain(await readAll())).toMatchObject({ ok: false, seq: 4, reason: 'gap' });
    });

    it('two entries swapped', async () => {
      const c = await tamperable();
      await sql`UPDATE audit_log SET seq = -2 WHERE seq = 2`.execute(c.store.db);
      await sql`UPDATE audit_log SET seq = 2 WHERE seq = 3`.execute(c.store.db);
      await sql`UPDATE audit_log SET seq = 3 WHERE seq = -2`.execute(c.store.db);
      expect(verifyAuditChain(await readAll())).toMatchObject({ ok: false, seq: 2, reason: 'broken_link' });
    });

    it('the latest entry removed is seen against the head a reader saw before', async () => {
      const c = await tamperable();
      const before = verifyAuditChain(await readAll());
      await sql`DELETE FROM audit_log WHERE seq = 5`.execute(c.store.db);
      const after = verifyAuditChain(await readAll());
      expect(before).toMatchObject({ ok: true, count: 5 });
      expect(after).toMatchObject({ ok: true, count: 4 });
    });
  });

  it('concurrent appenders get gap-free seqs and one chain', async () => {
    const c = await start();
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        appendAudit(c.store.db, { actor: 'system:test', action: 'test.parallel', detail: { i }, at: NOW }),
      ),
    );
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const entries = await readAll(10);
    expect(verifyAuditChain(entries)).toMatchObject({ ok: true, count: 24 });
  });

  it('an append rolls back with the transaction it belongs to', async () => {
    const c = await start();
    await expect(
      c.store.db.transaction().execute(async (trx) => {
        await appendAudit(trx, { actor: 'system:test', action: 'test.rolled_back', at: NOW });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const { seq } = await appendAudit(c.store.db, { actor: 'system:test', action: 'test.kept', at: NOW });
    expect(seq).toBe(1);
  });

  it('records merges, their undo and model releases, with ids only', async () => {
    const other = CustomerProfile.parse({ ...customer, customerId: 'cus-other' });
    const cloud = await start([customer, other]);
    const merged = await send({ method: 'POST', url: `/v1/customers/${ID}/merge`, payload: { from: 'cus-other' } });
    expect(merged.statusCode).toBe(200);
    const mergeId = merged.json().merge.mergeId;
    expect((await send({ method: 'POST', url: `/v1/merges/${mergeId}/undo` })).statusCode).toBe(200);
    await releaseModel(cloud.store, {
      runId: 'run-1',
      version: 'online-20260601000000',
      kind: 'online',
      files: {},
      rollout: { mode: 'full', percent: 100 },
      stores: ['seoul-01'],
      card: {} as ModelCardDocument,
      metrics: {},
      stages: [],
      at: NOW,
    });
    const entries = await readAll(50);
    expect(entries.map((e) => [e.action, e.actor, e.subject, e.detail])).toEqual([
      ['customer.merged', 'admin', customerSubject(ID), { mergeId, merged: customerSubject('cus-other') }],
      ['customer.merge_undone', 'admin', customerSubject(ID), { mergeId, restored: customerSubject('cus-other') }],
      [
        'model.released',
        'system:training',
        'online-20260601000000',
        { runId: 'run-1', kind: 'online', stores: ['seoul-01'] },
      ],
    ]);
    expect(verifyAuditChain(entries).ok).toBe(true);
  });

  it('serves the seeded policy, publishes new versions once and refuses changes', async () => {
    const c = await start();
    const list = (await c.app.inject({ method: 'GET', url: '/v1/policies' })).json();
    expect(list).toMatchObject({ current: '2026-01', versions: [{ version: '2026-01', effectiveFrom: '2026-01-01' }] });
    const seeded = await c.app.inject({ method: 'GET', url: '/v1/policies/2026-01' });
    expect(seeded.statusCode).toBe(200);
    expect(seeded.json().texts.location.en).toMatch(/sensors/);
    expect(seeded.json().texts.location.ko.length).toBeGreaterThan(10);

    // publish one in force from today and one in the future
    const put = (version: string, body: PolicyPublish) =>
      send({ method: 'PUT', url: `/v1/policies/${version}`, payload: body });
    expect((await put('2026-06', { effectiveFrom: '2026-06-01', texts: texts('v2') })).statusCode).toBe(200);
    expect((await put('2027-01', { effectiveFrom: '2027-01-01', texts: texts('v3') })).statusCode).toBe(200);
    const current = await c.app.inject({ method: 'GET', url: '/v1/policies/current' });
    expect(current.json()).toMatchObject({ version: '2026-06', texts: { marketing: { en: 'Marketing v2' } } });

    // the same body again is fine; another text or date is a conflict
    expect((await put('2026-06', { effectiveFrom: '2026-06-01', texts: texts('v2') })).statusCode).toBe(200);
    const changed = await put('2026-06', { effectiveFrom: '2026-06-01', texts: texts('edited') });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('policy_published');
    expect((await put('2026-06', { effectiveFrom: '2026-06-02', texts: texts('v2') })).statusCode).toBe(409);
    expect((await c.app.inject({ method: 'GET', url: '/v1/policies/2026-06' })).json().texts.location.en).toBe(
      'Location v2',
    );

    // bad input is a 400 naming the issue; a store or nobody cannot publish; unknown versions are 404
    const missing = await send({
      method: 'PUT',
      url: '/v1/policies/v9',
      payload: { effectiveFrom: '2026-13-01', texts: { location: { en: 'x', ko: 'y' } } },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.issues.join(' ')).toMatch(/effectiveFrom/);
    expect(
      (
        await send({
          method: 'PUT',
          url: '/v1/policies/current',
          payload: { effectiveFrom: '2026-01-01', texts: texts('x') },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await c.app.inject({
          method: 'PUT',
          url: '/v1/policies/v9',
          payload: { effectiveFrom: '2026-01-01', texts: texts('x') },
        })
      ).statusCode,
    ).toBe(401);
    expect((await c.app.inject({ method: 'GET', url: '/v1/policies/v9' })).statusCode).toBe(404);

    // publications are audited, once each
    const published = (await readAll(50)).filter((e) => e.action === 'policy.published');
    expect(published.map((e) => e.subject)).toEqual(['2026-06', '2027-01']);
  });

  it('a consent naming an unpublished policy version is a 400 and records nothing', async () => {
    await start();
    const res = await consent('location', '2099-99');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('unknown_policy');
    expect(await readAll()).toEqual([]);
  });
});
