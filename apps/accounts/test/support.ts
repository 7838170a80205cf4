/**
 * Test support for the accounts integration tests: the shared per-file world (its own topic
 * prefix and database) running the accounts app, and a recorder of the customer events it
 * publishes, read back from the real broker.
 */
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@storefront/events';
import type { Collection, Document } from 'mongodb';
import { ServiceWorld } from '@storefront/service-testing';
import type { TopicRecorder } from '@storefront/testing';
import { accountsApp } from '../src/accounts.app';

/**
 * The runner's environment without unrelated `*_FILE` variables (TF_CLI_CONFIG_FILE and the
 * like): the platform reads every `NAME_FILE` as a secret file and refuses to start when one
 * is missing.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.endsWith('_FILE')),
  );
}

export const ADMIN_KEY = 'accounts-admin-key-for-tests';
/** A fixed 32-byte key, so a test can open what the app sealed. */
export const CARD_KEY = randomBytes(32);

export class AccountsWorld extends ServiceWorld {
  constructor() {
    super('accounts');
  }

  /** The app as production builds it, on this world's database and topics. */
  startApp(env: Record<string, string> = {}): Promise<INestApplication> {
    return this.start(accountsApp, {
      ...inheritedEnv(),
      PORT: '0',
      LOG_LEVEL: 'warn',
      MONGO_DB: this.database,
      KAFKA_TOPIC_PREFIX: this.prefix,
      EUREKA_ENABLED: 'false',
      ADMIN_API_KEY: ADMIN_KEY,
      CARD_ENCRYPTION_KEY: CARD_KEY.toString('base64'),
      OUTBOX_SWEEP_INTERVAL_MS: '200',
      ...env,
    });
  }

  /** Everything published on the world's customer topic, from the beginning. */
  recordCustomerEvents(): Promise<TopicRecorder> {
    return this.record(Topics.CustomerChange);
  }

  get customers(): Collection<Document> {
    return this.db.collection('customer.accounts');
  }
}
