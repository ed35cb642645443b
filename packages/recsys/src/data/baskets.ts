/**
 * Next-basket JSON (e.g. tafeng/tafeng_history.json, tafeng_future.json): `{"uid": [[-1], basket, …, [-1]]}`,
 * each basket a list of item ids (integers, or non-empty strings). A basket that is exactly `[-1]` is a padding
 * marker and is dropped wherever it appears. Item ids become strings; basket order is kept.
 *
 * Errors (DataError, with the line of the JSON syntax error or of the user's key): invalid JSON, a top level that
 * is not an object, a user value that is not an array of arrays, a non-integer or negative item id (other than
 * the `[-1]` marker), an empty basket. A user left with no baskets after removing padding maps to `[]`.
 * JSON is one document, so the file is read whole (tafeng_history.json is ~3 MB).
 */
import { z } from 'zod';
import { DataError, type DataSource, errorMessage, lineAt, readText, sourceName } from './source';

const ItemId = z.union([z.number().int().min(-1), z.string().min(1)]);
const UserBaskets = z.array(z.array(ItemId, { error: 'basket must be an array of item ids' }), {
  error: 'value must be an array of baskets',
});

function isPadding(basket: readonly (number | string)[]): boolean {
  return basket.length === 1 && basket[0] === -1;
}

export async function loadBaskets(source: DataSource): Promise<Map<string, string[][]>> {
  const file = sourceName(source);
  const text = await readText(source);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const msg = errorMessage(e);
    const pos = /position (\d+)/.exec(msg);
    throw new DataError(file, pos ? lineAt(text, Number(pos[1])) : undefined, `invalid JSON: ${msg}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new DataError(file, 1, 'top level must be an object {"user": [[-1], basket, …, [-1]]}');
  }
  const userLine = (uid: string) => {
    const at = text.indexOf(`${JSON.stringify(uid)}`);
    return at < 0 ? undefined : lineAt(text, at);
  };
  const out = new Map<string, string[][]>();
  for (const [uid, value] of Object.entries(doc)) {
    const parsed = UserBaskets.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const [b, i] = issue.path;
      const where =
        b === undefined ? '' : i === undefined ? ` basket ${String(b)}` : ` basket ${String(b)} item ${String(i)}`;
      throw new DataError(file, userLine(uid), `user ${uid}${where}: ${issue.message}`);
    }
    const baskets: string[][] = [];
    parsed.data.forEach((basket, b) => {
      if (isPadding(basket)) return;
      if (basket.length === 0) throw new DataError(file, userLine(uid), `user ${uid} basket ${b}: empty basket`);
      if (basket.includes(-1)) {
        throw new DataError(file, userLine(uid), `user ${uid} basket ${b}: -1 is only allowed as the [-1] marker`);
      }
      baskets.push(basket.map(String));
    });
    out.set(uid, baskets);
  }
  return out;
}
