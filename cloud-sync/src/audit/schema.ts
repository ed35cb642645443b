import type { AuditRow } from '@aisle/contracts/audit-chain';
import type { Migration } from '../migration';

/** The audit log and policy-text tables, as kysely sees them (part of CloudTables). */
export type AuditTables = {
  /**
   * The append-only, hash-chained audit log. `seq` comes from the `audit` counter (gap-free from 1); `hash` is the
   * sha256 of the canonical encoding of the entry and `prev_hash` (see @aisle/contracts/audit-chain). Triggers
   * refuse UPDATE and DELETE, so not even a bug in this code can rewrite history.
   */
  audit_log: AuditRow;
  /** Published privacy-policy texts; a version never changes once published. */
  policy_versions: {
    version: string;
    /** The first day (UTC, `YYYY-MM-DD`) the version applies. */
    effective_from: string;
    /** JSON: `{ [purpose]: { en, ko } }`. */
    texts: string;
    published_at: number;
    published_by: string;
  };
};

/** The version the consent records of issue #7 (and their tests) name: seeded so they stay valid. */
const SEED_POLICY = {
  version: '2026-01',
  effectiveFrom: '2026-01-01',
  texts: {
    location: {
      en:
        'With your permission, sensors in the store notice your phone as you move around, so we can guide you to ' +
        'products and learn which aisles are busy. Without it, your phone is only counted anonymously and nothing ' +
        'about your visit is kept. You can turn this off at any time.',
      ko:
        '동의하시면 매장의 센서가 매장 안에서 이동하는 고객님의 휴대폰을 인식하여 상품 위치를 안내하고 혼잡한 통로를 ' +
        '파악합니다. 동의하지 않으시면 휴대폰은 익명으로만 집계되며 방문 기록은 남지 않습니다. 언제든지 철회할 수 있습니다.',
    },
    personalization: {
      en:
        'With your permission, we use what you bought and looked at to suggest products on store screens and in ' +
        'the app. Without it, you see the same suggestions as everyone else. You can turn this off at any time.',
      ko:
        '동의하시면 고객님의 구매 및 조회 기록을 바탕으로 매장 화면과 앱에서 상품을 추천합니다. 동의하지 않으시면 ' +
        '모든 고객에게 동일한 추천이 표시됩니다. 언제든지 철회할 수 있습니다.',
    },
    marketing: {
      en:
        'With your permission, we may send you offers and news by email or message. We never sell your details. ' +
        'You can unsubscribe at any time.',
      ko:
        '동의하시면 이메일이나 메시지로 할인 혜택과 소식을 보내드릴 수 있습니다. 고객님의 정보는 절대 판매하지 ' +
        '않습니다. 언제든지 수신을 거부할 수 있습니다.',
    },
    analytics: {
      en:
        'With your permission, we include your visits and purchases in statistics that help us improve our stores. ' +
        'Statistics shown to staff never single you out. You can turn this off at any time.',
      ko:
        '동의하시면 매장 개선을 위한 통계에 고객님의 방문 및 구매 기록을 포함합니다. 직원에게 보이는 통계는 ' +
        '개인을 식별하지 않습니다. 언제든지 철회할 수 있습니다.',
    },
  },
};

/** SQL string literal (the seed is a constant of this file, but quotes in a text must still be doubled). */
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

const seedPolicy = `INSERT INTO policy_versions (version, effective_from, texts, published_at, published_by) VALUES (
  ${literal(SEED_POLICY.version)}, ${literal(SEED_POLICY.effectiveFrom)}, ${literal(JSON.stringify(SEED_POLICY.texts))},
  ${Date.UTC(2026, 0, 1)}, 'migration')`;

const tables = [
  `CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    subject TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
  "INSERT INTO counters (name, value) VALUES ('audit', 0)",
  `CREATE TABLE policy_versions (version TEXT PRIMARY KEY, effective_from TEXT NOT NULL, texts TEXT NOT NULL,
    published_at BIGINT NOT NULL, published_by TEXT NOT NULL)`,
  seedPolicy,
];

/** The audit feature's migration (its number is fixed by its place in store.ts's list). */
export const auditMigration: Migration = {
  sqlite: [
    ...tables,
    `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
    `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
  ],
  postgres: [
    ...tables,
    `CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$`,
    `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()`,
    `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()`,
  ],
};
