/**
 * Shared plumbing for the data loaders: where input comes from (`DataSource`), the error every loader throws for
 * malformed input (`DataError`: file, 1-based line, reason), and a streaming line reader (node:readline over a
 * read stream) that the line-based formats use for files and inline text alike, so both take the same code path.
 */

import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { z } from 'zod';

/**
 * A plain string is a file path. Inline text (tests, small fixtures) is passed as `{ text }`; `name` is what errors
 * report as the file (default `<text>`). Explicit rather than guessed, so a one-line text is never taken for a path.
 */
export type DataSource = string | { text: string; name?: string };

/** Malformed or unreadable input. `line` is 1-based, or undefined when the problem is not tied to one line. */
export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${reason}`);
  }
}

export function sourceName(source: DataSource): string {
  return typeof source === 'string' ? source : (source.name ?? '<text>');
}

/** Yields `[lineNumber, line]` (1-based, without the line ending; a leading BOM is dropped), streaming files. */
export async function* readLines(source: DataSource): AsyncGenerator<[number, string]> {
  const file = sourceName(source);
  let input: Readable;
  let close = async () => {};
  if (typeof source === 'string') {
    const handle = await open(source, 'r').catch((e: unknown) => {
      throw new DataError(file, undefined, `cannot open: ${errorMessage(e)}`);
    });
    input = handle.createReadStream({ encoding: 'utf8' });
    close = () => handle.close().catch(() => {});
  } else {
    input = Readable.from([source.text]);
  }
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      yield [n, n === 1 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw];
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(file, n + 1, `read failed: ${errorMessage(e)}`);
  } finally {
    rl.close();
    await close();
  }
}

/** The whole input as one string (for formats that are a single document, e.g. JSON). */
export async function readText(source: DataSource): Promise<string> {
  if (typeof source !== 'string') return source.text;
  try {
    return await readFile(source, 'utf8');
  } catch (e) {
    throw new DataError(source, undefined, `cannot read: ${errorMessage(e)}`);
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** 1-based line number of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * JSONL: each non-blank line parsed as JSON and validated with `schema`; the first bad line fails with a DataError
 * naming it and every issue (`field: message`).
 */
export async function* readJsonLines<T>(source: DataSource, schema: z.ZodType<T>): AsyncGenerator<[number, T]> {
  const file = sourceName(source);
  for await (const [line, text] of readLines(source)) {
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new DataError(file, line, `invalid JSON: ${errorMessage(e)}`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
        .join('; ');
      throw new DataError(file, line, reason);
    }
    yield [line, parsed.data];
  }
}
