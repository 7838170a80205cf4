/**
 * The Kafka connection options every tool shares (`--kafka-brokers`, the SASL login and the
 * topic prefix), read from the command line, else from the variables the services read.
 */
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { fromEnvOrFile, type OptionDef, UsageError } from './options';

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';

const MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;

export const KAFKA_OPTIONS = {
  'kafka-brokers': {
    type: 'string',
    value: 'LIST',
    description: 'comma-separated host:port',
    env: ['KAFKA_BROKERS'],
    default: DEFAULT_KAFKA_BROKERS,
  },
  'kafka-username': {
    type: 'string',
    value: 'NAME',
    description: 'SASL user on the brokers (none: no SASL)',
    env: ['KAFKA_SASL_USERNAME'],
  },
  'kafka-password-file': {
    type: 'string',
    value: 'FILE',
    description: "file holding the SASL user's password",
    env: ['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'],
  },
  'kafka-mechanism': {
    type: 'string',
    value: 'M',
    description: MECHANISMS.join(', '),
    env: ['KAFKA_SASL_MECHANISM'],
    default: 'scram-sha-512',
  },
  'topic-prefix': {
    type: 'string',
    value: 'P',
    description: "the services' topic prefix",
    env: ['KAFKA_TOPIC_PREFIX'],
    default: 'none',
  },
} as const satisfies Record<string, OptionDef>;

export interface KafkaTarget {
  readonly brokers: string[];
  readonly sasl?: SASLOptions;
  readonly topicPrefix: string;
}

type KafkaValues = { [K in keyof typeof KAFKA_OPTIONS]: string | undefined };

export function kafkaTarget(
  values: KafkaValues,
  env: NodeJS.ProcessEnv = process.env,
): KafkaTarget {
  const brokers = (values['kafka-brokers'] ?? env.KAFKA_BROKERS ?? DEFAULT_KAFKA_BROKERS)
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  const username = values['kafka-username'] ?? env.KAFKA_SASL_USERNAME?.trim();
  const passwordFile = values['kafka-password-file'];
  let password: string | undefined;
  try {
    password = passwordFile
      ? readFileSync(passwordFile, 'utf8').trim()
      : fromEnvOrFile('KAFKA_SASL_PASSWORD', env);
  } catch (error) {
    throw new UsageError(
      `--kafka-password-file ${passwordFile}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  const mechanism = (
    values['kafka-mechanism'] ??
    env.KAFKA_SASL_MECHANISM ??
    'scram-sha-512'
  ).toLowerCase();
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new UsageError(`--kafka-mechanism takes ${MECHANISMS.join(', ')} (got "${mechanism}")`);
  }
  if (username && !password) {
    throw new UsageError(
      `--kafka-username ${username} needs its password (--kafka-password-file, KAFKA_SASL_PASSWORD[_FILE])`,
    );
  }
  return {
    brokers,
    topicPrefix: values['topic-prefix'] ?? env.KAFKA_TOPIC_PREFIX ?? '',
    ...(username && password
      ? {
          sasl: {
            mechanism: mechanism as (typeof MECHANISMS)[number],
            username,
            password,
          },
        }
      : {}),
  };
}

/** A kafkajs client configuration for a tool: short timeouts, its own client id, quiet. */
export function toolKafkaConfig(clientId: string, target: KafkaTarget): KafkaConfig {
  return {
    clientId,
    brokers: target.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { retries: 5, initialRetryTime: 200 },
    ...(target.sasl ? { sasl: target.sasl } : {}),
  };
}
