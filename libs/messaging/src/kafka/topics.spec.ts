import type { Admin, ITopicMetadata } from 'kafkajs';
import { authorizationProblem, createTopicsWithLeaders, KafkaAuthorizationError } from './topics';

/** A protocol error as kafkajs raises it (only `type` matters to the code under test). */
function protocolError(type: string): Error {
  return Object.assign(new Error(type), { type });
}

const ready: ITopicMetadata = {
  name: 'a',
  partitions: [
    { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1] },
    { partitionErrorCode: 0, partitionId: 1, leader: 1, replicas: [1], isr: [1] },
  ],
};
const leaderless: ITopicMetadata = {
  name: 'a',
  partitions: [
    { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1] },
    { partitionErrorCode: 5, partitionId: 1, leader: -1, replicas: [1], isr: [] },
  ],
};

/** An admin whose metadata answers follow `script`, one entry per call, the last repeating. */
function scriptedAdmin(script: (ITopicMetadata | Error)[]) {
  const calls = { createTopics: [] as unknown[], fetchTopicMetadata: 0 };
  const admin = {
    createTopics: (options: unknown) => {
      calls.createTopics.push(options);
      return Promise.resolve(true);
    },
    fetchTopicMetadata: () => {
      const answer = script[Math.min(calls.fetchTopicMetadata, script.length - 1)];
      calls.fetchTopicMetadata += 1;
      return answer instanceof Error
        ? Promise.reject(answer)
        : Promise.resolve({ topics: [answer] });
    },
  };
  return { admin: admin as unknown as Admin, calls };
}

const topics = [{ topic: 'a', numPartitions: 2, replicationFactor: 1 }];

describe('createTopicsWithLeaders', () => {
  it('creates the topics without kafkajs waiting (it would throw on an unknown topic)', async () => {
    const { admin, calls } = scriptedAdmin([ready]);
    await createTopicsWithLeaders(admin, topics);
    expect(calls.createTopics).toEqual([{ topics, waitForLeaders: false, timeout: 30_000 }]);
  });

  it('waits through UNKNOWN_TOPIC_OR_PARTITION and LEADER_NOT_AVAILABLE (KRaft metadata lag)', async () => {
    const { admin, calls } = scriptedAdmin([
      protocolError('UNKNOWN_TOPIC_OR_PARTITION'),
      protocolError('LEADER_NOT_AVAILABLE'),
      ready,
    ]);
    await createTopicsWithLeaders(admin, topics);
    expect(calls.fetchTopicMetadata).toBe(3);
  });

  it('waits until every partition has a leader', async () => {
    const { admin, calls } = scriptedAdmin([leaderless, leaderless, ready]);
    await createTopicsWithLeaders(admin, topics);
    expect(calls.fetchTopicMetadata).toBe(3);
  });

  it('passes on any other error at once', async () => {
    const { admin, calls } = scriptedAdmin([protocolError('TOPIC_AUTHORIZATION_FAILED')]);
    await expect(createTopicsWithLeaders(admin, topics)).rejects.toThrow(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(calls.fetchTopicMetadata).toBe(1);
  });

  it('gives up at the deadline and says what it was waiting for', async () => {
    const { admin } = scriptedAdmin([leaderless]);
    await expect(createTopicsWithLeaders(admin, topics, 250)).rejects.toThrow(
      /Timed out after 250 ms waiting for topic leaders \(no leader yet for a\)/,
    );
  });
});

describe('authorizationProblem', () => {
  it.each([
    ['a protocol error', protocolError('TOPIC_AUTHORIZATION_FAILED'), 'TOPIC_AUTHORIZATION_FAILED'],
    [
      'an aggregate of create-topic errors',
      Object.assign(new Error('x'), { errors: [protocolError('CLUSTER_AUTHORIZATION_FAILED')] }),
      'CLUSTER_AUTHORIZATION_FAILED',
    ],
    [
      'a wrapped SASL failure',
      Object.assign(new Error('retries exhausted'), {
        cause: Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
          name: 'KafkaJSSASLAuthenticationError',
        }),
      }),
      'SASL SCRAM SHA512 authentication failed',
    ],
    ['our own refusal', new KafkaAuthorizationError('topics missing'), 'topics missing'],
  ])('recognises %s', (_what, error, expected) => {
    expect(authorizationProblem(error)).toBe(expected);
  });

  it.each([
    ['a connection error', Object.assign(new Error('Connection error'), { type: undefined })],
    ['a leader election', protocolError('LEADER_NOT_AVAILABLE')],
    ['a non-error', 'boom'],
  ])('ignores %s', (_what, error) => {
    expect(authorizationProblem(error)).toBeUndefined();
  });
});
