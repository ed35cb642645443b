/**
 * One edge gateway as its own process, for the chaos harness (`chaos-scenario.ts`): what `src/main.ts` does, with the
 * whole configuration read from the JSON file named by the first argument instead of the environment, since the
 * harness sets what the environment cannot (the external broker's client id and session, the sync backoff, the
 * ingest rate). It logs `edge gateway ready` with the bound URLs, as main.ts does; SIGTERM closes it, SIGKILL is the
 * crash the harness is after.
 */
import { readFileSync } from 'node:fs';
import { GatewayConfig } from '../src/config';
import { createGateway } from '../src/gateway';
import { createLogger } from '../src/logger';

const logger = createLogger(process.env.AISLE_LOG_LEVEL ?? 'info');
const path = process.argv[2];
if (!path) {
  logger.fatal('usage: chaos-gateway.ts <config.json>');
  process.exit(2);
}
const parsed = GatewayConfig.safeParse(JSON.parse(readFileSync(path, 'utf8')));
if (!parsed.success) {
  logger.fatal(`invalid configuration in ${path}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  process.exit(2);
}
const gateway = await createGateway(parsed.data, { logger });
logger.info(await gateway.listen(), 'edge gateway ready');
process.once('SIGTERM', () => {
  void gateway.close().then(() => process.exit(0));
});
