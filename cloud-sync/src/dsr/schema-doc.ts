import { fileURLToPath } from 'node:url';
import { CustomerExport } from '@aisle/contracts';
import { z } from 'zod';

/** Where the export's JSON Schema is published in the repository (written by `npm run docs -w @aisle/cloud-sync`). */
export const CUSTOMER_EXPORT_SCHEMA_FILE = fileURLToPath(
  new URL('../../../docs/schemas/customer-export.schema.json', import.meta.url),
);

/** The JSON Schema (draft 2020-12) of CustomerExport, generated from its zod schema so the two cannot disagree. */
export function customerExportSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(CustomerExport, { io: 'output', target: 'draft-2020-12' });
  return {
    $schema,
    $id: 'https://aisle.example/schemas/customer-export.json',
    title: 'Aisle customer export',
    ...schema,
  };
}
