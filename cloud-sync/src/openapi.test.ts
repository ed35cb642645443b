import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createCloud } from './app';
import { currentOpenApi, OPENAPI_FILE } from './docs';

describe('the OpenAPI document', () => {
  it('is up to date in docs/openapi.json (run `npm run docs -w @aisle/cloud-sync`)', async () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(await currentOpenApi());
  });

  it('documents every route the service registers, and nothing else', async () => {
    const cloud = await createCloud({ database: ':memory:', logger: pino({ level: 'silent' }) });
    try {
      await cloud.app.ready();
      const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
      const documented = cloud.routes.specs.map(key).sort();
      expect(cloud.registered.map(key).sort()).toEqual(documented);
      expect(new Set(documented).size).toBe(documented.length);
    } finally {
      await cloud.app.close();
    }
  });

  it('is served without a credential, with request and response schemas from the contracts', async () => {
    const cloud = await createCloud({ database: ':memory:', logger: pino({ level: 'silent' }) });
    try {
      const res = await cloud.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      const push = doc.paths['/v1/stores/{storeId}/purchases'].post;
      expect(push.requestBody.content['application/json'].schema.required).toEqual(
        expect.arrayContaining(['storeId', 'batchId', 'entries']),
      );
      expect(push.parameters).toEqual([expect.objectContaining({ name: 'storeId', in: 'path', required: true })]);
      expect(Object.keys(push.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '409', '429']));
      expect(doc.paths['/health'].get.security).toEqual([]);
    } finally {
      await cloud.app.close();
    }
  });
});
