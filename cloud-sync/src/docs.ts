/**
 * `npm run docs -w @aisle/cloud-sync`: writes docs/openapi.json, the OpenAPI document generated from the routes'
 * zod schemas, and docs/schemas/customer-export.schema.json, the customer export's JSON Schema, formatted with the
 * repo's biome settings (a test fails when either file is stale).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CLOUD_API_VERSION, createCloud } from './app';
import { CUSTOMER_EXPORT_SCHEMA_FILE, customerExportSchema } from './dsr/schema-doc';
import { openApiDocument } from './openapi';

export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

/** The document docs/openapi.json must hold. */
export async function currentOpenApi(): Promise<Record<string, unknown>> {
  const cloud = await createCloud({ database: ':memory:', logger: pino({ level: 'silent' }) });
  try {
    return openApiDocument(cloud.routes.specs, CLOUD_API_VERSION);
  } finally {
    await cloud.app.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(await currentOpenApi(), null, 2)}\n`);
  // the customer export's JSON Schema, published for whoever reads an export (dsr/schema-doc.ts)
  mkdirSync(dirname(CUSTOMER_EXPORT_SCHEMA_FILE), { recursive: true });
  writeFileSync(CUSTOMER_EXPORT_SCHEMA_FILE, `${JSON.stringify(customerExportSchema(), null, 2)}\n`);
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  for (const file of [OPENAPI_FILE, CUSTOMER_EXPORT_SCHEMA_FILE]) {
    execFileSync(process.execPath, [biome, 'format', '--write', file], { stdio: 'ignore' });
    console.log(file);
  }
}
