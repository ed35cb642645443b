import { z } from 'zod';
import { Currency, ItemId, LocalizedText, Money } from './common';

export const Product = z
  .object({
    id: ItemId,
    name: LocalizedText,
    category: z.string().min(1).max(64),
    brand: z.string().min(1).max(64),
    price: Money,
    currency: Currency,
    attributes: z.record(z.string(), z.string()),
  })
  .strict();
export type Product = z.infer<typeof Product>;

export const Catalog = z.object({ items: z.array(Product) }).strict();
export type Catalog = z.infer<typeof Catalog>;
