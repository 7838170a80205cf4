import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, brokerListSchema, ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  const schema = baseConfigSchema.extend({ KAFKA_BROKERS: brokerListSchema });

  it('parses and applies defaults', () => {
    const config = loadConfig(schema, { PORT: '8085', KAFKA_BROKERS: '127.0.0.1:9092, k2:9093' });
    expect(config).toEqual({
      PORT: 8085,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      APP_ENV: 'development',
      KAFKA_BROKERS: ['127.0.0.1:9092', 'k2:9093'],
    });
  });

  it.each([
    [{ KAFKA_BROKERS: 'a:1' }, /PORT/],
    [{ PORT: 'eighty', KAFKA_BROKERS: 'a:1' }, /PORT="eighty"/],
    [{ PORT: '80', KAFKA_BROKERS: 'no-port' }, /KAFKA_BROKERS/],
    [{ PORT: '80', KAFKA_BROKERS: 'a:1', LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud"/],
  ])('names the wrong variable in %j', (env, pattern) => {
    expect(() => loadConfig(schema, env)).toThrow(ConfigError);
    expect(() => loadConfig(schema, env)).toThrow(pattern);
  });

  it('never prints the value of a secret or URL variable', () => {
    const secrets = z.object({
      ADMIN_API_KEY: z.string().min(16),
      MONGO_URL: z.string().startsWith('mongodb://'),
    });
    expect(() =>
      loadConfig(secrets, { ADMIN_API_KEY: 'hunter2', MONGO_URL: 'http://u:pw@db' }),
    ).toThrow(ConfigError);
    try {
      loadConfig(secrets, { ADMIN_API_KEY: 'hunter2', MONGO_URL: 'http://u:pw@db' });
    } catch (error) {
      expect((error as Error).message).toContain('ADMIN_API_KEY');
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).message).not.toContain('pw@db');
    }
  });

  it('reports every problem at once', () => {
    try {
      loadConfig(z.object({ A: z.string(), B: z.string() }), {});
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});

describe('secrets in files', () => {
  const schema = z.object({ ADMIN_API_KEY: z.string().min(4) });

  it('reads NAME_FILE into NAME', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cfg-')), 'key');
    writeFileSync(file, 'from-a-secret\n');
    expect(loadConfig(schema, { ADMIN_API_KEY_FILE: file })).toEqual({
      ADMIN_API_KEY: 'from-a-secret',
    });
  });

  it('lets an explicit NAME win over NAME_FILE', () => {
    expect(
      loadConfig(schema, { ADMIN_API_KEY: 'explicit', ADMIN_API_KEY_FILE: '/nonexistent' }),
    ).toEqual({
      ADMIN_API_KEY: 'explicit',
    });
  });

  it("ignores other tools' *_FILE variables", () => {
    expect(
      loadConfig(schema, {
        ADMIN_API_KEY: 'abcd',
        TF_CLI_CONFIG_FILE: '/nonexistent/.terraformrc',
      }),
    ).toEqual({ ADMIN_API_KEY: 'abcd' });
  });

  it('names an unreadable secret file', () => {
    expect(() => loadConfig(schema, { ADMIN_API_KEY_FILE: '/nonexistent/secret' })).toThrow(
      /ADMIN_API_KEY_FILE="\/nonexistent\/secret": cannot read \(ENOENT\)/,
    );
  });
});
