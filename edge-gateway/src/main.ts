import { GatewayConfig, type GatewayConfigInput } from './config';
import { configFromEnv, describeConfigError } from './env';
import { GatewayError } from './errors';
import { createGateway } from './gateway';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const logger = createLogger(process.env.AISLE_LOG_LEVEL ?? 'info');
  let input: GatewayConfigInput;
  try {
    input = configFromEnv(process.env);
  } catch (err) {
    logger.fatal(`invalid configuration: ${(err as Error).message}`);
    process.exit(2);
  }
  const parsed = GatewayConfig.safeParse(input);
  if (!parsed.success) {
    logger.fatal(`invalid configuration: ${describeConfigError(parsed.error)}`);
    process.exit(2);
  }
  if (parsed.data.cloudCredential === undefined)
    logger.warn('AISLE_CLOUD_CREDENTIAL is not set: cloud-sync will refuse this gateway (401)');
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    gateway = await createGateway(parsed.data, { logger });
    const urls = await gateway.listen();
    logger.info(urls, 'edge gateway ready');
  } catch (err) {
    if (err instanceof GatewayError) {
      const hint = err.code === 'port_in_use' ? ' (set AISLE_HTTP_PORT / AISLE_MQTT_PORT, or 0 for any free port)' : '';
      logger.fatal({ code: err.code }, `${err.message}${hint}`);
      process.exit(1);
    }
    throw err;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
