/**
 * `npm run docs -w @aisle/cloud-sync`: writes docs/openapi.json, the OpenAPI document generated from the routes'
 * zod schemas, formatted with the repo's biome settings (a test fails when the file is stale).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CLOUD_API_VERSION, createCloud } from './app';
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
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', OPENAPI_FILE], { stdio: 'ignore' });
  console.log(OPENAPI_FILE);
}
