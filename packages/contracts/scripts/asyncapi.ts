/**
 * Writes docs/protocol/asyncapi.json (repo root) from the contracts, and the generated list of screen events in
 * docs/protocol.md (between its markers): `npm run docs -w @aisle/contracts`.
 * The JSON file is then formatted with the repo's biome settings, so `biome check` stays clean.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAsyncApi, SCREEN_EVENTS_BEGIN, SCREEN_EVENTS_END, screenEventsMarkdown } from '../src/asyncapi';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = resolve(root, 'docs/protocol/asyncapi.json');
const protocolMd = resolve(root, 'docs/protocol.md');

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

const md = readFileSync(protocolMd, 'utf8');
const begin = md.indexOf(SCREEN_EVENTS_BEGIN);
const end = md.indexOf(SCREEN_EVENTS_END);
if (begin < 0 || end < begin) {
  console.error(
    `${protocolMd}: the markers of the screen event list are missing:\n${SCREEN_EVENTS_BEGIN}\n${SCREEN_EVENTS_END}`,
  );
  process.exitCode = 1;
} else {
  const generated = `${SCREEN_EVENTS_BEGIN}\n\n${screenEventsMarkdown()}\n\n${SCREEN_EVENTS_END}`;
  writeFileSync(protocolMd, md.slice(0, begin) + generated + md.slice(end + SCREEN_EVENTS_END.length));
  console.log(protocolMd);
}
