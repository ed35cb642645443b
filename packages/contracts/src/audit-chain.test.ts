import { describe, expect, it } from 'vitest';
import type { AuditEntry } from './audit';
import { auditHash, canonicalJson, GENESIS_HASH, verifyAuditChain } from './audit-chain';

/** A valid chain of `n` entries. */
function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = { seq, at: 1_000 * seq, actor: 'admin', action: 'test.done', detail: { n: seq }, prevHash };
    const hash = auditHash(fields);
    out.push({ ...fields, hash });
    prevHash = hash;
  }
  return out;
}

describe('the audit chain', () => {
  it('encodes objects the same whatever order their keys were built in', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: undefined, b: 'é' })).toBe('{"b":"é"}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });

  it('verifies a whole chain, and page by page from the last head', () => {
    const entries = chain(6);
    const whole = verifyAuditChain(entries);
    expect(whole).toEqual({ ok: true, count: 6, head: { seq: 6, hash: entries[5]!.hash } });
    const first = verifyAuditChain(entries.slice(0, 4));
    if (!first.ok) throw new Error('first page');
    expect(verifyAuditChain(entries.slice(4), first.head)).toEqual({ ...whole, count: 2 });
    expect(verifyAuditChain([])).toEqual({ ok: true, count: 0, head: { seq: 0, hash: GENESIS_HASH } });
  });

  it('names the first bad seq and why', () => {
    const entries = chain(5);
    const changed = entries.map((e) => (e.seq === 3 ? { ...e, detail: { n: 99 } } : e));
    expect(verifyAuditChain(changed)).toMatchObject({ ok: false, seq: 3, reason: 'hash_mismatch' });
    const rehashed = entries.map((e) =>
      e.seq === 3 ? { ...e, actor: 'x', hash: auditHash({ ...e, actor: 'x' }) } : e,
    );
    expect(verifyAuditChain(rehashed)).toMatchObject({ ok: false, seq: 4, reason: 'broken_link' });
    expect(verifyAuditChain(entries.filter((e) => e.seq !== 2))).toMatchObject({ ok: false, seq: 2, reason: 'gap' });
    expect(verifyAuditChain(entries.slice(1))).toMatchObject({ ok: false, seq: 1, reason: 'gap' });
    // entries 2 and 3 swapped but renumbered: 2's link no longer points at 1
    const swapped = [entries[0]!, { ...entries[2]!, seq: 2 }, { ...entries[1]!, seq: 3 }];
    expect(verifyAuditChain(swapped)).toMatchObject({ ok: false, seq: 2, reason: 'broken_link' });
  });
});
