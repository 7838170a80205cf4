import { type Admin, ConfigResourceTypes, type ITopicConfig } from 'kafkajs';
import type { TopicSpec } from '@storefront/events';

/**
 * Creates the topics that are missing, then compares every one with its spec and returns the
 * differences (partitions, configs) for the caller to judge: the dev runtime fails on them, a
 * service only warns, since an operator may have tuned a topic on purpose. Idempotent, and
 * safe when several instances start at once (a topic another created meanwhile is fine).
 * Topics are never auto-created by the broker, so each service runs this when it connects
 * instead of relying on start order.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  // Only describes when every topic exists, so a principal without CREATE can run this.
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length > 0) {
    const { brokers } = await admin.describeCluster();
    try {
      await createTopicsWithLeaders(
        admin,
        missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: Math.min(3, brokers.length),
          configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
        })),
      );
    } catch (error) {
      const refusal = authorizationProblem(error);
      if (refusal === undefined) throw error;
      throw new KafkaAuthorizationError(
        `topics ${missing.map((spec) => spec.name).join(', ')} are missing and this principal may not create them (${refusal}); an admin must create them`,
      );
    }
  }
  return compareTopics(admin, specs);
}

/** The broker refused who we are or what we asked for: retrying will not help soon. */
export class KafkaAuthorizationError extends Error {
  override readonly name = 'KafkaAuthorizationError';
}

const REFUSAL_TYPES =
  /AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED|ILLEGAL_SASL_STATE|UNSUPPORTED_SASL_MECHANISM/;

/**
 * What the broker refused (failed authentication or a missing ACL), looking through the
 * errors kafkajs wraps around one another, or undefined for any other failure. Credentials
 * never appear in these messages.
 */
export function authorizationProblem(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { name, type, message, errors, cause, originalError } = error as {
    name?: string;
    type?: string;
    message?: string;
    errors?: unknown[];
    cause?: unknown;
    originalError?: unknown;
  };
  if (error instanceof KafkaAuthorizationError) return error.message;
  if (typeof type === 'string' && REFUSAL_TYPES.test(type)) return type;
  if (name === 'KafkaJSSASLAuthenticationError') return message ?? name;
  for (const inner of [...(Array.isArray(errors) ? errors : []), cause, originalError]) {
    const found = authorizationProblem(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Metadata errors that only mean "the new topic has not reached this broker's metadata yet". */
const NOT_YET_KNOWN = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates topics (one that already exists is fine) and returns once every partition of every
 * one has a leader. kafkajs's own `waitForLeaders` retries only LEADER_NOT_AVAILABLE, but a
 * KRaft broker answers the metadata request right after CreateTopics with
 * UNKNOWN_TOPIC_OR_PARTITION until the new topic reaches its metadata image, and kafkajs then
 * throws; this waits through both.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false, timeout: timeoutMs });
  const names = topics.map((topic) => topic.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let waitingFor: string;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      const leaderless = metadata.topics.filter(
        (topic) =>
          topic.partitions.length === 0 ||
          topic.partitions.some((partition) => partition.leader < 0),
      );
      if (leaderless.length === 0) return;
      waitingFor = `no leader yet for ${leaderless.map((topic) => topic.name).join(', ')}`;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === undefined || !NOT_YET_KNOWN.has(type)) throw error;
      waitingFor = type;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for topic leaders (${waitingFor})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function compareTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const differences: string[] = [];
  if (specs.length === 0) return differences;
  const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
  const partitions = new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
  for (const spec of specs) {
    const actual = partitions.get(spec.name);
    if (actual !== spec.partitions) {
      differences.push(
        `topic ${spec.name} has ${actual ?? 'no'} partitions, expected ${spec.partitions}`,
      );
    }
  }
  const withConfig = specs.filter((spec) => Object.keys(spec.config).length > 0);
  if (withConfig.length === 0) return differences;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: withConfig.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configNames: Object.keys(spec.config),
    })),
  });
  for (const spec of withConfig) {
    const entries =
      described.resources.find((resource) => resource.resourceName === spec.name)?.configEntries ??
      [];
    for (const [key, expected] of Object.entries(spec.config)) {
      const actual = entries.find((entry) => entry.configName === key)?.configValue;
      if (actual !== expected) {
        differences.push(
          `topic ${spec.name} has ${key}=${actual ?? '(unset)'}, expected ${expected}`,
        );
      }
    }
  }
  return differences;
}
