/**
 * A broker that authenticates and authorizes (`npm start -- --secure`, the security tests, the
 * `--secure` bench): SCRAM-SHA-512 users with random passwords for this run, kept in files of
 * their own (mode 600), then the contract's topics and the ACL table (libs/events/src/acls.ts)
 * created as the super user.
 */
import fs from 'node:fs';
import path from 'node:path';

// Relative, like kafka.ts: this module is reachable from Jest's global setup (see kafka.ts).
import {
  type EventService,
  KAFKA_PRINCIPALS,
  type KafkaPrincipal,
  kafkaAcls,
  TOPIC_SPECS,
} from '../../libs/events/src';
import {
  createAcls,
  ensureTopics,
  KAFKA_ADMIN,
  type KafkaCredentials,
  type KafkaServer,
  randomSecret,
  startKafka,
  type StartKafkaOptions,
} from './kafka';

export type KafkaUser = typeof KAFKA_ADMIN | KafkaPrincipal;

export const KAFKA_USERS: readonly KafkaUser[] = [KAFKA_ADMIN, ...KAFKA_PRINCIPALS];

export interface SecureKafka extends KafkaServer {
  /** Every user's name and password; `admin` is the super user. */
  readonly credentials: Readonly<Record<KafkaUser, KafkaCredentials>>;
  /** The file holding each user's password, for `KAFKA_SASL_PASSWORD_FILE`. */
  readonly passwordFiles: Readonly<Record<KafkaUser, string>>;
}

export interface StartSecureKafkaOptions extends Omit<StartKafkaOptions, 'scramUsers'> {
  /** Where the password files go (created mode 700, emptied first). */
  readonly secretsDir: string;
  /**
   * Topic prefixes to create the topics and ACLs for (`''`: the contract's names); more can
   * be added later with `provisionPrefix`. Defaults to `['']`.
   */
  readonly topicPrefixes?: readonly string[];
}

/** Starts a secure broker with fresh passwords and provisions topics and ACLs as `admin`. */
export async function startSecureKafka(options: StartSecureKafkaOptions): Promise<SecureKafka> {
  const { secretsDir, topicPrefixes = [''], ...kafkaOptions } = options;
  const credentials = Object.fromEntries(
    KAFKA_USERS.map((username) => [username, { username, password: randomSecret() }]),
  ) as Record<KafkaUser, KafkaCredentials>;
  const passwordFiles = writePasswordFiles(secretsDir, credentials);

  const server = await startKafka({
    ...kafkaOptions,
    scramUsers: Object.fromEntries(KAFKA_USERS.map((user) => [user, credentials[user].password])),
  });
  try {
    for (const prefix of topicPrefixes) {
      await provisionPrefix(server.brokers, credentials[KAFKA_ADMIN], prefix);
    }
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
  return Object.assign(server, { credentials, passwordFiles });
}

/** The contract's topics and the ACL table under one topic prefix, created as `admin`. */
export async function provisionPrefix(
  brokers: readonly string[],
  admin: KafkaCredentials,
  prefix: string,
): Promise<void> {
  await ensureTopics(
    brokers,
    TOPIC_SPECS.map((spec) => ({ ...spec, name: `${prefix}${spec.name}` })),
    admin,
  );
  await createAcls(brokers, admin, kafkaAcls(prefix));
}

/** A service's environment for a secure broker: its principal, and its password by file. */
export function kafkaSaslEnv(
  kafka: Pick<SecureKafka, 'credentials' | 'passwordFiles'>,
  service: EventService,
): Record<string, string> {
  return {
    KAFKA_SASL_USERNAME: kafka.credentials[service].username,
    KAFKA_SASL_PASSWORD_FILE: kafka.passwordFiles[service],
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
  };
}

/** The registry's user name in a secure run (the registry's default). */
export const REGISTRY_USER = 'eureka';

/**
 * Each app's own environment for a secure run (RuntimeEnv.secure): the services' Kafka users,
 * the registry's password (REGISTRY_PASSWORD_FILE) and every client's registry credentials, and
 * the admin API key that guards the admin endpoints and the gateway's /admin/registry/. The
 * registry password and the key are minted per run into `secretsDir`, next to Kafka's.
 */
export function secureAppEnv(
  kafka: Pick<SecureKafka, 'credentials' | 'passwordFiles'>,
  secretsDir: string,
): {
  appEnv: Record<'registry' | 'gateway' | EventService, Record<string, string>>;
  files: { registryPassword: string; adminApiKey: string };
} {
  const files = {
    registryPassword: path.join(secretsDir, 'registry.password'),
    adminApiKey: path.join(secretsDir, 'admin-api.key'),
  };
  fs.writeFileSync(files.registryPassword, randomSecret(), { mode: 0o600 });
  fs.writeFileSync(files.adminApiKey, randomSecret(), { mode: 0o600 });
  const http = {
    EUREKA_USERNAME: REGISTRY_USER,
    EUREKA_PASSWORD_FILE: files.registryPassword,
    ADMIN_API_KEY_FILE: files.adminApiKey,
  };
  return {
    files,
    appEnv: {
      registry: {
        REGISTRY_USERNAME: REGISTRY_USER,
        REGISTRY_PASSWORD_FILE: files.registryPassword,
      },
      gateway: http,
      accounts: { ...http, ...kafkaSaslEnv(kafka, 'accounts') },
      orders: { ...http, ...kafkaSaslEnv(kafka, 'orders') },
      fulfillment: { ...http, ...kafkaSaslEnv(kafka, 'fulfillment') },
    },
  };
}

function writePasswordFiles(
  dir: string,
  credentials: Readonly<Record<KafkaUser, KafkaCredentials>>,
): Record<KafkaUser, string> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {} as Record<KafkaUser, string>;
  for (const user of KAFKA_USERS) {
    const file = path.join(dir, `kafka-${user}.password`);
    fs.writeFileSync(file, credentials[user].password, { mode: 0o600 });
    files[user] = file;
  }
  return files;
}
