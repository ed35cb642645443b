// Sums the vitest JSON reports of every workspace into one closing line.
// A failing step that ran no test (install, typecheck, lint, build) counts as one failure.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, rc] = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  console.log(`${file.replace(/\.json$/, '')}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (Number(rc) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
