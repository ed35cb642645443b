#!/usr/bin/env node
// The `aisle` command: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
// imported only after register(), so that tsx compiles it
const { main } = await import('../src/main.ts');
process.exit(await main(process.argv.slice(2)));
