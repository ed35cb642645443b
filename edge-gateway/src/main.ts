import { fileURLToPath } from 'node:url';
import { GatewayConfig, type GatewayConfigInput } from './config';
import { GatewayError } from './errors';
import { createGateway } from './gateway';
import { createLogger } from './logger';

/** Environment variables and the setting each one fills. */
const ENV = {
  AISLE_HTTP_HOST: ['http', 'host'],
  AISLE_HTTP_PORT: ['http', 'port'],
  AISLE_MQTT_HOST: ['mqtt', 'host'],
  AISLE_MQTT_PORT: ['mqtt', 'port'],
  AISLE_DB: ['databasePath'],
  AISLE_FLOOR_PLAN: ['floorPlanPath'],
  AISLE_MODEL_DIR: ['modelDir'],
  AISLE_CLOUD_URL: ['cloudUrl'],
  AISLE_CLOUD_CREDENTIAL: ['cloudCredential'],
  AISLE_BUNDLES_DIR: ['models', 'bundlesDir'],
  AISLE_MODEL_REGISTRY_DIR: ['models', 'registryDir'],
  AISLE_STAFF_FILE: ['realtime', 'staffPath'],
  AISLE_SCREEN_TOKENS: ['realtime', 'tokensPath'],
  AISLE_UNCONSENTED_PRESENCE: ['privacy', 'unconsentedPresence'],
} as const;

function configFromEnv(env: NodeJS.ProcessEnv): GatewayConfigInput {
  const dataDir = env.AISLE_DATA_DIR ?? 'data';
  const input: Record<string, unknown> = {
    databasePath: `${dataDir}/gateway.db`,
    floorPlanPath: `${dataDir}/floor-plan.json`,
    modelDir: `${dataDir}/models/current`,
    cloudUrl: 'http://127.0.0.1:8090',
    // devices need credentials unless AISLE_AUTH=open says otherwise (local tools only)
    auth:
      env.AISLE_AUTH === 'open'
        ? { mode: 'open' }
        : { mode: 'registry', registryPath: env.AISLE_DEVICES ?? `${dataDir}/devices.json` },
    screens: {
      kiosk: fileURLToPath(new URL('../../kiosk-app/dist', import.meta.url)),
      mirror: fileURLToPath(new URL('../../smart-mirror/dist', import.meta.url)),
    },
  };
  if (env.AISLE_MQTT_URL)
    input.mqtt = {
      external: {
        url: env.AISLE_MQTT_URL,
        username: env.AISLE_MQTT_USERNAME,
        password: env.AISLE_MQTT_PASSWORD,
        clientId: env.AISLE_MQTT_CLIENT_ID || undefined,
        persistentSession: flag('AISLE_MQTT_PERSISTENT_SESSION', env.AISLE_MQTT_PERSISTENT_SESSION),
      },
    };
  for (const [name, path] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const isPort = path[1] === 'port';
    if (path.length === 2) {
      const group = (input[path[0]] ?? {}) as Record<string, unknown>;
      group[path[1]] = isPort ? Number(value) : value;
      input[path[0]] = group;
    } else input[path[0]] = value;
  }
  return input as GatewayConfigInput;
}

/** A yes/no variable: true/1/yes or false/0/no; unset or empty is the default (undefined). */
function flag(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new GatewayError('bad_config', `${name} must be true or false, got "${value}"`);
}

/** Names the environment variable behind an invalid setting. */
function describeConfigError(err: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return err.issues
    .map((i) => {
      const key = i.path.join('.');
      const env = Object.entries(ENV).find(([, p]) => p.join('.') === key)?.[0];
      return `${key}${env ? ` (${env})` : ''}: ${i.message}`;
    })
    .join('; ');
}

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
