/**
 * Catalogue file for the content model: JSONL, one item per line,
 * `{"id": string, "text"?: string, "attributes"?: {name: string | number | boolean}}`. Blank lines are skipped;
 * a malformed line or a repeated id fails with a DataError naming the line.
 */
import { z } from 'zod';
import type { CatalogItem } from '../models/content';
import { DataError, type DataSource, readJsonLines, sourceName } from './source';

export const CatalogLineSchema = z.object({
  id: z.string().min(1),
  text: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export async function loadCatalog(source: DataSource): Promise<CatalogItem[]> {
  const items: CatalogItem[] = [];
  const seen = new Map<string, number>();
  for await (const [line, item] of readJsonLines(source, CatalogLineSchema)) {
    const previous = seen.get(item.id);
    if (previous !== undefined)
      throw new DataError(sourceName(source), line, `item ${item.id} already on line ${previous}`);
    seen.set(item.id, line);
    items.push(item);
  }
  return items;
}
