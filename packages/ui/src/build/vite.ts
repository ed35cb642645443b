/**
 * Vite settings the screen apps share. Plain objects (this package does not depend on
 * Vite); each app spreads them into its own `defineConfig`, which type-checks them.
 *
 * The apps import this file by relative path (`../packages/ui/src/build/vite`), not as
 * `@aisle/ui/...`: Vite's config loader bundles relative imports but leaves package
 * imports to Node, and Node 20 cannot load a package's `.ts` source.
 */
import path from 'node:path';
import { SCREEN_CSP } from '@aisle/contracts';

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/** Dev/preview proxy of socket.io to the gateway (`AISLE_GATEWAY_URL`, default http://127.0.0.1:8080). */
export function gatewayProxy(env: Readonly<Record<string, string | undefined>> = process.env) {
  const target = env.AISLE_GATEWAY_URL || DEFAULT_GATEWAY_URL;
  return { '/socket.io': { target, ws: true, changeOrigin: true } };
}

/** The screens' Content-Security-Policy as a built page's `<meta>` can carry it (no `frame-ancestors`). */
export const META_CSP = SCREEN_CSP.split('; ')
  .filter((d) => !d.startsWith('frame-ancestors'))
  .join('; ');

/** Adds the CSP meta tag to built pages (not in dev, where Vite injects inline scripts). */
export function cspPlugin(csp = META_CSP) {
  return {
    name: 'aisle-screen-csp',
    apply: 'build' as const,
    transformIndexHtml(html: string) {
      const meta = `<meta http-equiv="Content-Security-Policy" content="${csp}" />`;
      return /<meta charset[^>]*>/i.test(html)
        ? html.replace(/(<meta charset[^>]*>)/i, `$1\n    ${meta}`)
        : html.replace('<head>', `<head>\n    ${meta}`);
    },
  };
}

/** Drops Rollup's notes about misplaced `@__PURE__` comments inside dependencies (zod has some); keeps every other warning. */
export function quietDependencyAnnotations<W extends { code?: string; id?: string }>(warning: W, warn: (w: W) => void) {
  if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
  warn(warning);
}

/** A multi-page screen app served by the gateway under `base`, built to dist/. */
export function screenAppConfig(options: {
  /** The app's directory. */
  root: string;
  /** Path the gateway serves the app under, e.g. `/kiosk/`. */
  base: string;
  /** Page name → HTML file relative to `root`. */
  pages: Record<string, string>;
  env?: Readonly<Record<string, string | undefined>>;
}) {
  const proxy = gatewayProxy(options.env);
  return {
    root: options.root,
    base: options.base,
    build: {
      outDir: path.join(options.root, 'dist'),
      emptyOutDir: true,
      target: 'chrome120',
      rollupOptions: {
        onwarn: quietDependencyAnnotations,
        input: Object.fromEntries(
          Object.entries(options.pages).map(([name, file]) => [name, path.join(options.root, file)]),
        ),
      },
    },
    server: { proxy },
    preview: { proxy },
    plugins: [cspPlugin()],
  };
}

interface AssetEmitter {
  emitFile(file: { type: 'asset'; fileName: string; source: string }): string;
  error(message: string): never;
}

/**
 * The Electron shell: `src/main/main.ts` and `src/preload/preload.ts` bundled as CommonJS
 * into dist-electron/ (with a package.json saying so), `electron` left external.
 * A sandboxed preload cannot `require` local files, so any shared chunk fails the build.
 */
export function electronShellConfig(options: { root: string; name: string; version: string }) {
  return {
    root: options.root,
    publicDir: false as const,
    ssr: { noExternal: true as const, external: ['electron'] },
    build: {
      ssr: true,
      outDir: path.join(options.root, 'dist-electron'),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: true,
      rollupOptions: {
        input: {
          main: path.join(options.root, 'src/main/main.ts'),
          preload: path.join(options.root, 'src/preload/preload.ts'),
        },
        external: ['electron'],
        output: { format: 'cjs' as const, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
    plugins: [
      {
        name: 'aisle-electron-shell',
        generateBundle(
          this: AssetEmitter,
          _options: unknown,
          bundle: Record<string, { type: string; isEntry?: boolean }>,
        ) {
          const shared = Object.entries(bundle).filter(([, out]) => out.type === 'chunk' && !out.isEntry);
          if (shared.length > 0)
            this.error(`main and preload must not share modules (found ${shared.map(([file]) => file).join(', ')})`);
          this.emitFile({
            type: 'asset',
            fileName: 'package.json',
            source: `${JSON.stringify({ name: options.name, version: options.version, private: true, type: 'commonjs', main: 'main.js' }, null, 2)}\n`,
          });
        },
      },
    ],
  };
}
