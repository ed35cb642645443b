/** `npm run package:fuses -w @aisle/ui -- <packaged Electron binary>`: flips the shells' fuses (see fuses.ts). */
import path from 'node:path';
import { applyFuses } from './fuses';

// npm runs workspace scripts in the workspace's folder; a relative path means the caller's folder.
const target = process.argv[2] ? path.resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2]) : '';
try {
  const fuses = await applyFuses(target);
  for (const [name, enabled] of Object.entries(fuses)) console.log(`${name}: ${enabled ? 'on' : 'off'}`);
} catch (error) {
  console.error(`[aisle fuses] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
