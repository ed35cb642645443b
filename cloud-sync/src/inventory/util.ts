/** Rows per multi-row statement: well under SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
const CHUNK = 500;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The last item per key, in the order of those last occurrences (one statement may not touch a row twice). */
export function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const last = new Map<string, number>();
  items.forEach((item, index) => {
    last.set(key(item), index);
  });
  return [...last.values()].sort((a, b) => a - b).map((index) => items[index]!);
}
