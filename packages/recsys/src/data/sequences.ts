/**
 * Sequence format (e.g. amazon-beauty/Beauty.txt): one line per user, `user_id item_id item_id …`, items in time
 * order, whitespace-separated tokens of decimal digits. Ids are kept as strings.
 *
 * Rules: blank (whitespace-only) lines are skipped; a user id seen twice is an error; a token that is not all
 * digits is an error; a line with only a user id is an ERROR by default (such a user has no target for the
 * next-item protocol), or an empty sequence with `{ allowEmpty: true }`.
 */
import { DataError, type DataSource, readLines, sourceName } from './source';

export interface Sequences {
  /** users[i] owns sequences[i]; in file order. */
  users: string[];
  sequences: string[][];
}

export interface LoadSequencesOptions {
  /** Keep a user line without items as an empty sequence instead of failing. Default false. */
  allowEmpty?: boolean;
}

const ID = /^\d+$/;

export async function loadSequences(source: DataSource, opts: LoadSequencesOptions = {}): Promise<Sequences> {
  const file = sourceName(source);
  const users: string[] = [];
  const sequences: string[][] = [];
  const seen = new Map<string, number>();
  for await (const [line, text] of readLines(source)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    const tokens = trimmed.split(/\s+/);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!ID.test(t)) {
        const what = i === 0 ? 'user id' : `item ${i}`;
        throw new DataError(file, line, `${what} ${JSON.stringify(t)} is not an integer id`);
      }
    }
    const user = tokens[0]!;
    const previous = seen.get(user);
    if (previous !== undefined) {
      throw new DataError(file, line, `user ${user} already appeared on line ${previous}`);
    }
    if (tokens.length === 1 && !opts.allowEmpty) {
      throw new DataError(file, line, `user ${user} has no items (pass allowEmpty to keep it as an empty sequence)`);
    }
    seen.set(user, line);
    users.push(user);
    sequences.push(tokens.slice(1));
  }
  return { users, sequences };
}
