/**
 * Catalogue file for the content model: JSONL, one item per line,
 * `{"id": string, "text"?: string, "attributes"?: {name: string | number | boolean}}`. Blank lines are skipped;
 * a malformed line or a repeated id fails with a DataError naming the line.
 */
import { z } from 'zod';
import type { CatalogItem } from '../models/content';
import { DataError, type DataSource, errorMessage, readLines, sourceName } from './source';

export const CatalogLineSchema = z.object({
  id: z.string().min(1),
  text: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export async function loadCatalog(source: DataSource): Promise<CatalogItem[]> {
  const file = sourceName(source);
  const items: CatalogItem[] = [];
  const seen = new Map<string, number>();
  for await (const [line, text] of readLines(source)) {
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new DataError(file, line, `invalid JSON: ${errorMessage(e)}`);
    }
    const parsed = CatalogLineSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DataError(file, line, `${issue.path.map(String).join('.') || 'item'}: ${issue.message}`);
    }
    const previous = seen.get(parsed.data.id);
    if (previous !== undefined) throw new DataError(file, line, `item ${parsed.data.id} already on line ${previous}`);
    seen.set(parsed.data.id, line);
    items.push(parsed.data);
  }
  return items;
}
