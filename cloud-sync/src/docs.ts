/**
 * `npm run docs -w @aisle/cloud-sync`: writes docs/openapi.json, the OpenAPI document generated from the routes'
 * zod schemas (a test fails when the file is stale).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CLOUD_API_VERSION, createCloud } from './app';
import { openApiDocument } from './openapi';

export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

/** The document as written to docs/openapi.json. */
export async function renderOpenApi(): Promise<string> {
  const cloud = await createCloud({ database: ':memory:', logger: pino({ level: 'silent' }) });
  try {
    return `${JSON.stringify(openApiDocument(cloud.routes.specs, CLOUD_API_VERSION), null, 2)}\n`;
  } finally {
    await cloud.app.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, await renderOpenApi());
  console.log(OPENAPI_FILE);
}
