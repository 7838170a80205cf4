import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@storefront/platform';
import { accountsConfigSchema } from './accounts.app';

describe('accounts config', () => {
  it('defaults to port 8085, no admin key and no card encryption', () => {
    const config = loadConfig(accountsConfigSchema, {});
    expect(config).toMatchObject({ PORT: 8085, KAFKA_BROKERS: ['127.0.0.1:9092'] });
    expect(config.ADMIN_API_KEY).toBeUndefined();
    expect(config.CARD_ENCRYPTION_KEY).toBeUndefined();
  });

  it('decodes a card encryption key', () => {
    const key = randomBytes(32);
    const config = loadConfig(accountsConfigSchema, { CARD_ENCRYPTION_KEY: key.toString('hex') });
    expect(config.CARD_ENCRYPTION_KEY?.equals(key)).toBe(true);
  });

  it.each([
    ['CARD_ENCRYPTION_KEY', randomBytes(16).toString('base64')],
    ['ADMIN_API_KEY', 'short'],
    ['PORT', 'eighty'],
  ])('refuses to start with a bad %s, naming it', (variable, value) => {
    expect(() => loadConfig(accountsConfigSchema, { [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig(accountsConfigSchema, { [variable]: value })).toThrow(variable);
  });
});
