import { ConfigError, loadConfig } from '@storefront/platform';
import { messagingConfigSchema, messagingOptionsFromConfig } from './messaging.module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function options(env: NodeJS.ProcessEnv, clientId = 'orders') {
  return messagingOptionsFromConfig(clientId, loadConfig(messagingConfigSchema, env));
}

describe('messaging config: SASL', () => {
  it('connects without SASL when no credentials are set', () => {
    expect(options({}).sasl).toBeUndefined();
  });

  it('passes username and password with SCRAM-SHA-512 by default', () => {
    expect(options({ KAFKA_SASL_USERNAME: 'orders', KAFKA_SASL_PASSWORD: 's3cret' }).sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'orders',
      password: 's3cret',
    });
  });

  it('reads the password from KAFKA_SASL_PASSWORD_FILE', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sasl-')), 'password');
    fs.writeFileSync(file, 'from-file\n', { mode: 0o600 });
    const sasl = options({ KAFKA_SASL_USERNAME: 'orders', KAFKA_SASL_PASSWORD_FILE: file }).sasl;
    expect(sasl?.password).toBe('from-file');
  });

  it.each([
    [{ KAFKA_SASL_USERNAME: 'orders' }, 'KAFKA_SASL_PASSWORD'],
    [{ KAFKA_SASL_PASSWORD: 's3cret' }, 'KAFKA_SASL_USERNAME'],
  ])('refuses half the credentials (%j) naming %s', (env, variable) => {
    expect(() => options(env)).toThrow(ConfigError);
    expect(() => options(env)).toThrow(new RegExp(`^invalid configuration: ${variable}:`));
  });

  it.each(['scram-sha-256', 'plain'])('accepts the %s mechanism', (mechanism) => {
    const env = {
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      KAFKA_SASL_MECHANISM: mechanism,
    };
    expect(options(env).sasl?.mechanism).toBe(mechanism);
  });

  it('names the variable of an unknown mechanism without echoing any secret', () => {
    const env = {
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p4ss',
      KAFKA_SASL_MECHANISM: 'gssapi',
    };
    expect(() => options(env)).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(() => options(env)).not.toThrow(/p4ss/);
  });
});

describe('messaging config: topics', () => {
  it.each([
    ['accounts', ['accounts.customer.change']],
    [
      'orders',
      [
        'accounts.customer.change',
        'accounts.customer.change.dlt',
        'orders.order.fulfill',
        'fulfillment.order.change',
        'fulfillment.order.change.dlt',
      ],
    ],
    [
      'fulfillment',
      ['orders.order.fulfill', 'orders.order.fulfill.dlt', 'fulfillment.order.change'],
    ],
  ])('%s checks only the topics it touches', (service, topics) => {
    expect(options({}, service).topics?.map((spec) => spec.name)).toEqual(topics);
  });

  it('any other client checks every contract topic', () => {
    expect(options({}, 'some-test').topics).toBeUndefined();
  });
});
