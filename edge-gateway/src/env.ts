import { fileURLToPath } from 'node:url';
import type { GatewayConfigInput } from './config';
import { GatewayError } from './errors';

/*
 * The gateway's settings from environment variables (`npm start`, a service unit): each variable fills one setting,
 * and an invalid one is reported under the variable's name.
 */

/** Environment variables and the setting each one fills. */
export const ENV = {
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
  AISLE_RETENTION_VISITS_DAYS: ['privacy', 'retention', 'visitsDays'],
  AISLE_RETENTION_SESSIONS_DAYS: ['privacy', 'retention', 'sessionsDays'],
  AISLE_RETENTION_INTERACTIONS_DAYS: ['privacy', 'retention', 'interactionsDays'],
  AISLE_RETENTION_DECISIONS_DAYS: ['privacy', 'retention', 'decisionsDays'],
  AISLE_RETENTION_DEAD_LETTERS_DAYS: ['privacy', 'retention', 'deadLettersDays'],
  AISLE_RETENTION_SCREEN_MESSAGES_DAYS: ['privacy', 'retention', 'screenMessagesDays'],
  AISLE_RETENTION_OUTBOX_SENT_DAYS: ['privacy', 'retention', 'outboxSentDays'],
  AISLE_RETENTION_ZONE_HOURLY_DAYS: ['privacy', 'retention', 'zoneHourlyDays'],
  AISLE_AGGREGATES_K: ['privacy', 'aggregates', 'k'],
  AISLE_AGGREGATES_EPSILON_PER_QUERY: ['privacy', 'aggregates', 'epsilonPerQuery'],
  AISLE_AGGREGATES_EPSILON_PER_DAY: ['privacy', 'aggregates', 'epsilonPerDay'],
  /** Comma-separated sha256 (hex) of the chain dashboards' API tokens. */
  AISLE_AGGREGATES_API_TOKEN_HASHES: ['privacy', 'aggregates', 'apiTokenHashes'],
} as const;

/** Settings that are numbers or lists; every other one is a string. */
const NUMBERS = /^(AISLE_\w+_PORT|AISLE_RETENTION_\w+|AISLE_AGGREGATES_(K|EPSILON_\w+))$/;
const LISTS = new Set(['AISLE_AGGREGATES_API_TOKEN_HASHES']);

export function configFromEnv(env: NodeJS.ProcessEnv): GatewayConfigInput {
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
    // a number that is not one stays a string, so the config's validation names the variable
    const parsed = NUMBERS.test(name)
      ? Number.isNaN(Number(value))
        ? value
        : Number(value)
      : LISTS.has(name)
        ? value.split(',').map((v) => v.trim())
        : value;
    let group = input;
    for (const key of path.slice(0, -1)) {
      group[key] ??= {};
      group = group[key] as Record<string, unknown>;
    }
    group[path.at(-1)!] = parsed;
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
export function describeConfigError(err: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return err.issues
    .map((i) => {
      const key = i.path.join('.');
      const env = Object.entries(ENV).find(([, p]) => p.join('.') === key)?.[0];
      return `${key}${env ? ` (${env})` : ''}: ${i.message}`;
    })
    .join('; ');
}
