import { describe, expect, it } from 'vitest';
import { GatewayConfig } from './config';
import { configFromEnv, describeConfigError } from './env';

describe('settings from the environment', () => {
  it('fills nested privacy settings: numbers, lists and words', () => {
    const config = GatewayConfig.parse(
      configFromEnv({
        AISLE_UNCONSENTED_PRESENCE: 'transient',
        AISLE_RETENTION_VISITS_DAYS: '7',
        AISLE_RETENTION_DECISIONS_DAYS: '30.5',
        AISLE_AGGREGATES_K: '20',
        AISLE_AGGREGATES_EPSILON_PER_QUERY: '0.5',
        AISLE_AGGREGATES_API_TOKEN_HASHES: `${'a'.repeat(64)}, ${'b'.repeat(64)}`,
        AISLE_HTTP_PORT: '0',
      }),
    );
    expect(config.privacy.unconsentedPresence).toBe('transient');
    expect(config.privacy.retention).toMatchObject({ visitsDays: 7, decisionsDays: 30.5, sessionsDays: 30 });
    expect(config.privacy.aggregates).toMatchObject({
      k: 20,
      epsilonPerQuery: 0.5,
      epsilonPerDay: 10,
      apiTokenHashes: ['a'.repeat(64), 'b'.repeat(64)],
    });
    expect(config.http.port).toBe(0);
  });

  it('defaults deny: without a setting, unconsented devices are dropped', () => {
    expect(GatewayConfig.parse(configFromEnv({})).privacy.unconsentedPresence).toBe('drop');
  });

  it('names the variable behind a bad value', () => {
    const parsed = GatewayConfig.safeParse(
      configFromEnv({ AISLE_RETENTION_VISITS_DAYS: 'a week', AISLE_UNCONSENTED_PRESENCE: 'maybe' }),
    );
    expect(parsed.success).toBe(false);
    const message = describeConfigError(parsed.error!);
    expect(message).toContain('privacy.retention.visitsDays (AISLE_RETENTION_VISITS_DAYS)');
    expect(message).toContain('privacy.unconsentedPresence (AISLE_UNCONSENTED_PRESENCE)');
  });
});
