import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SCREEN_CSP } from '@aisle/contracts';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttp } from './server';

let dir: string;
let app: Awaited<ReturnType<typeof createHttp>>;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'aisle-screens-'));
  for (const screen of ['kiosk', 'mirror']) {
    mkdirSync(path.join(dir, screen, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, screen, 'index.html'), `<!doctype html><title>${screen}</title>`);
    writeFileSync(path.join(dir, screen, 'assets', 'index.js'), 'console.log(1)');
  }
  writeFileSync(path.join(dir, 'kiosk', 'staff.html'), '<!doctype html><title>staff</title>');
  app = await createHttp({
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    health: () => ({}),
    screens: { kiosk: path.join(dir, 'kiosk'), mirror: path.join(dir, 'mirror'), missing: path.join(dir, 'nope') },
  });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('screens served by the gateway', () => {
  it.each(['/kiosk/', '/kiosk/staff.html', '/kiosk/assets/index.js', '/mirror/'])(
    '%s is sent with the strict Content-Security-Policy',
    async (url) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-security-policy']).toBe(SCREEN_CSP);
    },
  );

  it("the policy allows only the page's own scripts, styles and socket, and no framing, plugins or form posts", () => {
    const directives = Object.fromEntries(
      SCREEN_CSP.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'style-src-attr': "'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self' ws: wss:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
    });
  });

  it('answers a screen that is not built with 503 and a hint', async () => {
    const res = await app.inject({ method: 'GET', url: '/missing/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
  });

  it('serves health and metrics without the screen policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });
});
