import { describe, expect, it } from 'vitest';
import {
  cspPlugin,
  electronShellConfig,
  gatewayProxy,
  META_CSP,
  quietDependencyAnnotations,
  screenAppConfig,
} from './vite';

describe('gatewayProxy', () => {
  it('proxies socket.io with websockets to the local gateway by default', () => {
    expect(gatewayProxy({})).toEqual({
      '/socket.io': { target: 'http://127.0.0.1:8080', ws: true, changeOrigin: true },
    });
    expect(gatewayProxy({ AISLE_GATEWAY_URL: 'http://10.0.0.5:9000' })['/socket.io'].target).toBe(
      'http://10.0.0.5:9000',
    );
  });
});

describe('screenAppConfig', () => {
  it('builds every page under the base path into dist/', () => {
    const config = screenAppConfig({
      root: '/repo/kiosk-app',
      base: '/kiosk/',
      pages: { index: 'index.html', staff: 'staff.html' },
      env: {},
    });
    expect(config.base).toBe('/kiosk/');
    expect(config.build.outDir).toBe('/repo/kiosk-app/dist');
    expect(config.build.rollupOptions.input).toEqual({
      index: '/repo/kiosk-app/index.html',
      staff: '/repo/kiosk-app/staff.html',
    });
    expect(config.server.proxy['/socket.io'].ws).toBe(true);
    expect(config.preview.proxy).toEqual(config.server.proxy);
  });
});

describe('cspPlugin', () => {
  it('adds a strict CSP to built pages only', () => {
    const plugin = cspPlugin();
    expect(plugin.apply).toBe('build');
    const html = plugin.transformIndexHtml('<html><head><meta charset="UTF-8" /><title>x</title></head></html>');
    expect(html).toContain(
      `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${META_CSP}" />`,
    );
    expect(plugin.transformIndexHtml('<head></head>')).toContain('<head>\n    <meta http-equiv');
    expect(META_CSP).toContain("script-src 'self'");
    expect(META_CSP).not.toContain('frame-ancestors');
    expect(META_CSP).not.toMatch(/script-src[^;]*unsafe/);
  });
});

describe('quietDependencyAnnotations', () => {
  it('hides misplaced-annotation notes from dependencies only', () => {
    const shown: unknown[] = [];
    const warn = (w: unknown) => shown.push(w);
    quietDependencyAnnotations({ code: 'INVALID_ANNOTATION', id: '/repo/node_modules/zod/v4/core/util.js' }, warn);
    quietDependencyAnnotations({ code: 'INVALID_ANNOTATION', id: '/repo/packages/ui/src/x.ts' }, warn);
    quietDependencyAnnotations({ code: 'CIRCULAR_DEPENDENCY', id: '/repo/node_modules/a.js' }, warn);
    expect(shown).toHaveLength(2);
  });
});

describe('electronShellConfig', () => {
  const config = electronShellConfig({ root: '/repo/kiosk-app', name: 'aisle-kiosk-shell', version: '0.1.0' });
  const plugin = config.plugins[0]!;

  it('bundles main and preload as CommonJS with electron external', () => {
    expect(config.build.rollupOptions.input).toEqual({
      main: '/repo/kiosk-app/src/main/main.ts',
      preload: '/repo/kiosk-app/src/preload/preload.ts',
    });
    expect(config.build.rollupOptions.output.format).toBe('cjs');
    expect(config.build.rollupOptions.external).toEqual(['electron']);
    expect(config.build.outDir).toBe('/repo/kiosk-app/dist-electron');
  });

  it('writes a CommonJS package.json next to the bundles', () => {
    const emitted: { fileName: string; source: string }[] = [];
    const context = {
      emitFile: (file: { fileName: string; source: string }) => {
        emitted.push(file);
        return file.fileName;
      },
      error: (message: string): never => {
        throw new Error(message);
      },
    };
    plugin.generateBundle.call(context, {}, { 'main.js': { type: 'chunk', isEntry: true } });
    expect(emitted[0]?.fileName).toBe('package.json');
    expect(JSON.parse(emitted[0]!.source)).toMatchObject({ type: 'commonjs', main: 'main.js', version: '0.1.0' });
  });

  it('fails the build when main and preload share a chunk', () => {
    const context = {
      emitFile: () => '',
      error: (message: string): never => {
        throw new Error(message);
      },
    };
    expect(() =>
      plugin.generateBundle.call(
        context,
        {},
        {
          'main.js': { type: 'chunk', isEntry: true },
          'chunks/shared-abc.js': { type: 'chunk', isEntry: false },
        },
      ),
    ).toThrow(/must not share/);
  });
});
