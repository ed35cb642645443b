/**
 * Writes docs/protocol/asyncapi.json (repo root) from the contracts: `npm run docs -w @aisle/contracts`.
 * The file is then formatted with the repo's biome settings, so `biome check` stays clean.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAsyncApi } from '../src/asyncapi';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = resolve(root, 'docs/protocol/asyncapi.json');

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(buildAsyncApi(), null, 2)}\n`);

let biome: string | undefined;
try {
  biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
} catch {
  biome = undefined;
}
if (biome && existsSync(biome))
  execFileSync(process.execPath, [biome, 'format', '--write', out], { cwd: root, stdio: 'ignore' });
else console.warn('biome not found: the file is not formatted; run `npx biome format --write` on it');

console.log(out);
