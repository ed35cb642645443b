import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, createCloud, operatorToken } from '@aisle/cloud-sync';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aisle } from './testing';

const ADMIN_SECRET = 'audit-cli-operator-secret';
const TOKEN = operatorToken(ADMIN_SECRET);
const ENTRIES = 12;

const texts = (n: number) => ({
  location: { en: `Location ${n}`, ko: `위치 ${n}` },
  personalization: { en: `Personalization ${n}`, ko: `개인화 ${n}` },
  marketing: { en: `Marketing ${n}`, ko: `마케팅 ${n}` },
  analytics: { en: `Analytics ${n}`, ko: `분석 ${n}` },
});

let dir: string;
let cloud: Cloud | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aisle-audit-'));
});
afterEach(async () => {
  await cloud?.app.close();
  cloud = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A cloud on a SQLite file with ENTRIES audit entries (policy publications), listening on a free port. */
async function startCloud(): Promise<{ url: string; file: string }> {
  const file = join(dir, 'cloud.db');
  cloud = await createCloud({
    database: `sqlite:${file}`,
    logger: pino({ level: 'silent' }),
    adminSecret: ADMIN_SECRET,
  });
  for (let n = 1; n <= ENTRIES; n++) {
    const res = await cloud.app.inject({
      method: 'PUT',
      url: `/v1/policies/v${n}`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { effectiveFrom: '2026-02-01', texts: texts(n) },
    });
    expect(res.statusCode).toBe(200);
  }
  return { url: await cloud.app.listen({ host: '127.0.0.1', port: 0 }), file };
}

/** Runs SQL on the database file behind the cloud's back, with the append-only triggers out of the way. */
function tamper(file: string, ...statements: string[]) {
  const db = new Database(file);
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
    for (const s of statements) db.exec(s);
  } finally {
    db.close();
  }
}

describe('aisle audit verify', () => {
  it('checks the chain through the API, page by page, with progress on stderr', async () => {
    const { url } = await startCloud();
    const r = await aisle('audit', 'verify', '--cloud', url, '--token', TOKEN, '--page', '5');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^audit chain ok: ${ENTRIES} entries, head [0-9a-f]{64}\\n$`));
    expect(r.stderr).toBe(`checked 5 of ${ENTRIES} entries\nchecked 10 of ${ENTRIES} entries\n`);
    // the head is the newest entry's hash
    const page = await cloud!.app.inject({
      method: 'GET',
      url: `/v1/audit?after=${ENTRIES - 1}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.stdout).toContain(page.json().entries[0].hash);
  });

  it('reads the database file directly, read-only, and agrees with the API', async () => {
    const { url, file } = await startCloud();
    const api = await aisle('audit', 'verify', '--cloud', url, '--token', TOKEN);
    const db = await aisle('audit', 'verify', '--db', file);
    expect(db.code).toBe(0);
    expect(db.stdout).toBe(api.stdout);
  });

  it('names the first bad seq of a changed entry, through the API and the file, and exits 1', async () => {
    const { url, file } = await startCloud();
    tamper(file, `UPDATE audit_log SET detail = '{"effectiveFrom":"2020-01-01"}' WHERE seq = 7`);
    for (const r of [
      await aisle('audit', 'verify', '--cloud', url, '--token', TOKEN, '--page', '3'),
      await aisle('audit', 'verify', '--db', file),
    ]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^audit chain broken at seq 7 \(hash_mismatch\)/);
    }
  });

  it('finds a deleted entry', async () => {
    const { file } = await startCloud();
    tamper(file, 'DELETE FROM audit_log WHERE seq = 4');
    const r = await aisle('audit', 'verify', '--db', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit chain broken at seq 4 \(gap\)/);
  });

  it('finds two entries swapped', async () => {
    const { file } = await startCloud();
    tamper(
      file,
      'UPDATE audit_log SET seq = -8 WHERE seq = 8',
      'UPDATE audit_log SET seq = 8 WHERE seq = 9',
      'UPDATE audit_log SET seq = 9 WHERE seq = -8',
    );
    const r = await aisle('audit', 'verify', '--db', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit chain broken at seq 8 \(broken_link\)/);
  });

  it('finds the newest entries removed by the count the log keeps', async () => {
    const { url, file } = await startCloud();
    tamper(file, `DELETE FROM audit_log WHERE seq > ${ENTRIES - 2}`);
    for (const r of [
      await aisle('audit', 'verify', '--db', file),
      await aisle('audit', 'verify', '--cloud', url, '--token', TOKEN),
    ]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^audit chain broken at seq ${ENTRIES - 1} \\(gap\\)`));
    }
  });

  it('says what is wrong with the command line, the token or the file', async () => {
    const { url } = await startCloud();
    const noSub = await aisle('audit');
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toContain("a subcommand is required: 'verify'");
    expect((await aisle('audit', 'verify')).stderr).toContain('--cloud <url> or --db <file> is required');
    expect((await aisle('audit', 'verify', '--cloud', url, '--token', TOKEN, '--page', '0')).code).toBe(2);
    expect((await aisle('audit', 'verify', '--db', join(dir, 'missing.db'))).stderr).toContain('no file');
    const refused = await aisle('audit', 'verify', '--cloud', url, '--token', operatorToken('wrong-secret-123456'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused the token (401)');
    const help = await aisle('audit', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('aisle audit verify --db');
  });
});
