import { readFileSync } from 'node:fs';
import { parseRollout } from '@aisle/contracts';
import { PERSONAL_LOG_FIELDS } from '@aisle/contracts/logging';
import pino from 'pino';
import { z } from 'zod';
import { CloudSeed, createCloud } from './app';
import { StoreCredential } from './auth';
import { type RetentionOptions, retentionFromEnv } from './retention';
import { CloudStoreError } from './store';
import { TrainingOptions } from './training';

// personal fields are redacted wherever they appear (the same list as the gateway's)
const logger = pino({
  level: process.env.AISLE_LOG_LEVEL ?? 'info',
  redact: { paths: [...PERSONAL_LOG_FIELDS], censor: '[redacted]' },
});
const dataDir = process.env.AISLE_DATA_DIR ?? 'data';
const host = process.env.AISLE_CLOUD_HOST ?? '127.0.0.1';
const port = Number(process.env.AISLE_CLOUD_PORT ?? 8090);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  logger.fatal(`AISLE_CLOUD_PORT must be a port number, got "${process.env.AISLE_CLOUD_PORT}"`);
  process.exit(2);
}

function readSeed(path: string | undefined): CloudSeed | undefined {
  if (!path) return undefined;
  const parsed = CloudSeed.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    logger.fatal(`AISLE_CLOUD_SEED ${path} is invalid: ${parsed.error.issues[0]?.message}`);
    process.exit(2);
  }
  return parsed.data;
}

/** AISLE_CLOUD_STORES: a JSON file `[{ storeId, secretHash }]` of store credentials, registered (or rotated) at start. */
function readStores(path: string | undefined): StoreCredential[] {
  if (!path) return [];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    logger.fatal(`AISLE_CLOUD_STORES ${path} cannot be read: ${(err as Error).message}`);
    process.exit(2);
  }
  const parsed = z.array(StoreCredential).safeParse(json);
  if (!parsed.success) {
    logger.fatal(`AISLE_CLOUD_STORES ${path} is invalid: ${parsed.error.issues[0]?.message}`);
    process.exit(2);
  }
  return parsed.data;
}

const adminSecret = process.env.AISLE_CLOUD_ADMIN_SECRET || undefined;
if (adminSecret !== undefined && adminSecret.length < 16) {
  logger.fatal('AISLE_CLOUD_ADMIN_SECRET must be at least 16 characters');
  process.exit(2);
}
if (adminSecret === undefined)
  logger.warn('AISLE_CLOUD_ADMIN_SECRET is not set: no operator (publishing models, editing customers) can sign in');

/**
 * Scheduled training (off unless AISLE_CLOUD_TRAIN_EVERY_MINUTES is set): a run every N minutes when at least
 * AISLE_CLOUD_TRAIN_MIN_PURCHASES (default 1) purchases arrived since the last model, released with
 * AISLE_CLOUD_TRAIN_ROLLOUT (`canary:<percent>` (default canary:10), `shadow:<percent>` or `full`).
 */
function readTraining(): TrainingOptions | undefined {
  const every = process.env.AISLE_CLOUD_TRAIN_EVERY_MINUTES;
  if (!every) return undefined;
  const rolloutText = process.env.AISLE_CLOUD_TRAIN_ROLLOUT;
  const rollout = rolloutText ? parseRollout(rolloutText) : undefined;
  if (rolloutText && !rollout) {
    logger.fatal(`AISLE_CLOUD_TRAIN_ROLLOUT must be canary:<percent>, shadow:<percent> or full, got "${rolloutText}"`);
    process.exit(2);
  }
  const min = process.env.AISLE_CLOUD_TRAIN_MIN_PURCHASES;
  const parsed = TrainingOptions.safeParse({
    everyMinutes: Number(every),
    ...(rollout && { rollout }),
    ...(min && { minPurchases: Number(min) }),
  });
  if (!parsed.success) {
    const [setting, rule, value] =
      parsed.error.issues[0]?.path[0] === 'minPurchases'
        ? ['AISLE_CLOUD_TRAIN_MIN_PURCHASES', 'a whole number ≥ 0', min]
        : ['AISLE_CLOUD_TRAIN_EVERY_MINUTES', 'a number of minutes > 0 (at most a week)', every];
    logger.fatal(`${setting} must be ${rule}, got "${value}"`);
    process.exit(2);
  }
  return parsed.data;
}
const training = readTraining();

/** AISLE_CLOUD_RETENTION_<CLASS>_DAYS and AISLE_CLOUD_RETENTION_INTERVAL_MINUTES (docs/privacy/audit.md). */
function readRetention(): RetentionOptions {
  try {
    return retentionFromEnv(process.env);
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(2);
  }
}
const retention = readRetention();

/** AISLE_CLOUD_DATABASE_URL (postgres://… or sqlite:<path>), else the SQLite file AISLE_CLOUD_DB or <data>/cloud.db. */
const database =
  process.env.AISLE_CLOUD_DATABASE_URL || `sqlite:${process.env.AISLE_CLOUD_DB || `${dataDir}/cloud.db`}`;
const setting = process.env.AISLE_CLOUD_DATABASE_URL ? 'AISLE_CLOUD_DATABASE_URL' : 'AISLE_CLOUD_DB';

/** AISLE_CLOUD_LINK_SECRET signs personal "my data" links; AISLE_CLOUD_PUBLIC_URL is the address they point at. */
const linkSecret = process.env.AISLE_CLOUD_LINK_SECRET || undefined;
if (linkSecret !== undefined && linkSecret.length < 16) {
  logger.fatal('AISLE_CLOUD_LINK_SECRET must be at least 16 characters');
  process.exit(2);
}
const publicUrl = process.env.AISLE_CLOUD_PUBLIC_URL || undefined;
if (publicUrl !== undefined && !URL.canParse(publicUrl)) {
  logger.fatal(`AISLE_CLOUD_PUBLIC_URL must be a URL (https://cloud.example), got "${publicUrl}"`);
  process.exit(2);
}

async function open() {
  try {
    return await createCloud({
      database,
      logger,
      seed: readSeed(process.env.AISLE_CLOUD_SEED),
      stores: readStores(process.env.AISLE_CLOUD_STORES),
      adminSecret,
      ...(training && { training }),
      retention,
      linkSecret,
      publicUrl,
    });
  } catch (err) {
    if (!(err instanceof CloudStoreError)) throw err;
    logger.fatal(err.code === 'bad_url' ? `${setting}: ${err.message}` : err.message);
    process.exit(err.code === 'bad_url' ? 2 : 1);
  }
}
const { app, store } = await open();
logger.info({ dialect: store.dialect }, 'cloud database ready');
try {
  const url = await app.listen({ host, port });
  logger.info({ url }, 'cloud-sync ready');
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  logger.fatal(
    code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; set AISLE_CLOUD_PORT` : (err as Error).message,
  );
  process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
