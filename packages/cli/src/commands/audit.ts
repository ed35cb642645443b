import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AuditEntry, AuditPage } from '@aisle/contracts';
import {
  type AuditRow,
  auditEntryFromRow,
  type ChainHead,
  type ChainVerdict,
  GENESIS_HASH,
  verifyAuditChain,
} from '@aisle/contracts/audit-chain';
import Database from 'better-sqlite3';
import { CLOUD_OPTIONS, type CloudTarget, cloudRequest, cloudTarget } from '../cloud';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle audit verify --cloud <url> --token admin.<secret> [--page <n>]
       aisle audit verify --db <cloud sqlite file>

Checks the cloud's hash-chained audit log: every entry must follow the one before it (seq one
more, prevHash its hash) and match its own hash, from entry 1 to the newest. A changed, deleted,
inserted or reordered entry breaks the chain at its seq.

  --cloud URL     the cloud service, e.g. http://127.0.0.1:8090 (pages through GET /v1/audit)
  --token TOKEN   the operator's credential, admin.<secret> (or set AISLE_CLOUD_TOKEN)
  --page N        entries per request (1-1000, default 1000)
  --db FILE       read the cloud's SQLite database directly instead (opened read-only)

Prints 'audit chain ok: <n> entries, head <hash>', or the first bad seq and why.
Progress goes to stderr on long logs.

Exit codes: 0 the chain is intact, 1 broken, refused or unreachable, 2 wrong usage.`;

/** Progress on stderr every this many rows of a database file (and only on logs longer than that). */
const PROGRESS_EVERY = 10_000;

type Source = ({ kind: 'cloud'; page: number } & CloudTarget) | { kind: 'db'; path: string };

function options(args: string[]): Source | undefined {
  const { values, positionals } = parsing('audit', () =>
    parseArgs({
      args,
      options: {
        ...CLOUD_OPTIONS,
        page: { type: 'string' },
        db: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) return undefined;
  if (positionals[0] !== 'verify' || positionals.length > 1)
    throw new UsageError(
      positionals.length === 0 ? "a subcommand is required: 'verify'" : `unknown subcommand '${positionals.join(' ')}'`,
      'audit',
    );
  if (values.db !== undefined) {
    if (values.cloud !== undefined) throw new UsageError('give --cloud or --db, not both', 'audit');
    const path = values.db.replace(/^sqlite:(\/\/)?/i, '');
    if (!existsSync(path)) throw new UsageError(`--db: no file ${path}`, 'audit');
    return { kind: 'db', path };
  }
  if (!values.cloud) throw new UsageError('--cloud <url> or --db <file> is required', 'audit');
  const target = cloudTarget(values, 'audit');
  const page = values.page === undefined ? 1000 : Number(values.page);
  if (!Number.isInteger(page) || page < 1 || page > 1000)
    throw new UsageError(`--page must be a whole number from 1 to 1000, got '${values.page}'`, 'audit');
  return { kind: 'cloud', ...target, page };
}

/** One page of the log from the cloud, checked against its contract. */
function fetchPage(source: Extract<Source, { kind: 'cloud' }>, after: number): Promise<AuditPage> {
  return cloudRequest(source, {
    path: `/v1/audit?after=${after}&limit=${source.page}`,
    schema: AuditPage,
    label: 'GET /v1/audit',
    expected: 'an audit page',
  });
}

/** Reports progress on stderr when at least `every` entries were checked since the last report. */
function progress(total: number, every: number) {
  let last = 0;
  return (checked: number) => {
    if (total <= every || checked - last < every || checked >= total) return;
    last = checked;
    console.error(`checked ${checked} of ${total} entries`);
  };
}

/** The whole chain through the API, page by page, each continuing from the last page's head. */
async function verifyCloud(
  source: Extract<Source, { kind: 'cloud' }>,
): Promise<{ verdict: ChainVerdict; headSeq: number }> {
  let page = await fetchPage(source, 0);
  const headSeq = page.headSeq;
  // a line per page on a log of several pages
  const report = progress(headSeq, source.page);
  let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  for (;;) {
    const verdict = verifyAuditChain(page.entries, head);
    if (!verdict.ok) return { verdict, headSeq };
    head = verdict.head;
    report(head.seq);
    if (page.next === undefined) return { verdict: { ok: true, count: head.seq, head }, headSeq };
    page = await fetchPage(source, page.next);
  }
}

/** The whole chain from the database file, streamed row by row; opened read-only, so nothing can change it. */
function verifyDb(path: string): { verdict: ChainVerdict; headSeq: number } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    let headSeq: number;
    try {
      const counter = db.prepare("SELECT value FROM counters WHERE name = 'audit'").get() as
        | { value: number }
        | undefined;
      headSeq = Number(counter?.value ?? 0);
    } catch {
      throw new Error(`${path} is not a cloud database with an audit log (schema 11 or newer)`);
    }
    const report = progress(headSeq, PROGRESS_EVERY);
    const rows = db
      .prepare('SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq')
      .iterate() as IterableIterator<AuditRow>;
    function* entries(): Generator<AuditEntry> {
      for (const row of rows) {
        const entry = auditEntryFromRow(row);
        yield entry;
        report(entry.seq);
      }
    }
    return { verdict: verifyAuditChain(entries()), headSeq };
  } finally {
    db.close();
  }
}

export const audit: Command = {
  name: 'audit',
  summary: "verify the cloud's hash-chained audit log (through the API or the database file)",
  help,
  async run(args) {
    const source = options(args);
    if (!source) {
      console.log(help);
      return 0;
    }
    const { verdict, headSeq } = source.kind === 'db' ? verifyDb(source.path) : await verifyCloud(source);
    if (!verdict.ok) {
      console.log(`audit chain broken at seq ${verdict.seq} (${verdict.reason}): ${verdict.message}`);
      return 1;
    }
    // the newest entries removed leave a sound but short chain: the counter still says how many there were
    if (verdict.head.seq < headSeq) {
      console.log(
        `audit chain broken at seq ${verdict.head.seq + 1} (gap): the log counts ${headSeq} entries, ` +
          `only ${verdict.head.seq} are there`,
      );
      return 1;
    }
    console.log(`audit chain ok: ${verdict.count} entries, head ${verdict.head.hash}`);
    return 0;
  },
};
