/**
 * The attacker of the stack test: from a container on the stack's network, tries to publish a
 * forged but well-formed customer event (one orders would accept as real) on
 * accounts.customer.change, with no credentials or with a principal's. Prints one JSON line:
 * `{"result":"produced"}` or `{"result":"refused","error":"<kafkajs error>","type":"<Kafka
 * error code, when there is one>"}`; exits 0 either way (the test judges the answer).
 *
 *   tsx tools/stack/test/kafka-probe.ts --brokers kafka:9092 --customer-id ID
 *     [--username NAME --password-file FILE]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import {
  buildEventHeaders,
  getContract,
  messageKey,
  serviceSource,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: 'kafka:9092' },
      'customer-id': { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
    },
  });
  const id = values['customer-id'];
  if (!id) throw new Error('--customer-id is required');
  const sasl: SASLOptions | undefined = values.username
    ? {
        mechanism: 'scram-sha-512',
        username: values.username,
        password: fs.readFileSync(values['password-file'] ?? '', 'utf8').trim(),
      }
    : undefined;
  const kafka = new Kafka({
    clientId: 'stack-test-attacker',
    brokers: values.brokers.split(','),
    sasl,
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
  const topic = Topics.CustomerChange;
  const payload = fixtures.aCustomerChanged({ id });
  const contract = getContract(topic);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: messageKey(topic, payload),
          value: JSON.stringify(payload),
          headers: buildEventHeaders({
            type: contract.type,
            source: serviceSource('accounts'),
            schemaVersion: contract.version,
            aggregateVersion: 1,
          }),
        },
      ],
    });
    process.stdout.write(`${JSON.stringify({ result: 'produced' })}\n`);
  } catch (error) {
    const cause = error as { name?: string; type?: string; message?: string };
    process.stdout.write(
      `${JSON.stringify({ result: 'refused', error: cause.name ?? String(error), type: cause.type, message: cause.message })}\n`,
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`kafka-probe: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
