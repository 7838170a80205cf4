import { ConfigResourceTypes } from 'kafkajs';
import { TOPIC_SPECS } from '@storefront/events';
import { KafkaConnection } from '@storefront/messaging';
import { brokers, deleteTopics, isolation, quietKafka } from './support/kit';

describe('topics at start-up (real Kafka, auto-create off)', () => {
  const { prefix } = isolation('topics');
  const admin = quietKafka('topics-spec-admin').admin();
  let connection: KafkaConnection | undefined;

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await connection?.close();
    await deleteTopics(prefix);
    await admin.disconnect();
  });

  it('creates every contract topic and its dead-letter topic before the connection is up', async () => {
    const before = await admin.listTopics();
    expect(before.filter((topic) => topic.startsWith(prefix))).toEqual([]);

    connection = new KafkaConnection({
      clientId: 'topics-spec',
      brokers: brokers(),
      topicPrefix: prefix,
    });
    await connection.whenConnected();

    const names = TOPIC_SPECS.map((spec) => `${prefix}${spec.name}`);
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    expect(
      Object.fromEntries(topics.map((topic) => [topic.name, topic.partitions.length])),
    ).toEqual(
      Object.fromEntries(TOPIC_SPECS.map((spec) => [`${prefix}${spec.name}`, spec.partitions])),
    );
    const customerTopic = `${prefix}accounts.customer.change`;
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: customerTopic, configNames: ['cleanup.policy'] },
      ],
    });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('is idempotent: a second instance starting finds them and changes nothing', async () => {
    const second = new KafkaConnection({
      clientId: 'topics-spec-2',
      brokers: brokers(),
      topicPrefix: prefix,
    });
    try {
      await second.whenConnected();
      expect(second.isConnected).toBe(true);
    } finally {
      await second.close();
    }
  });
});
