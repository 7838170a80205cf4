import { type Admin, ConfigResourceTypes } from 'kafkajs';
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
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length > 0) {
    const { brokers } = await admin.describeCluster();
    await admin.createTopics({
      waitForLeaders: true,
      timeout: 30_000,
      topics: missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: Math.min(3, brokers.length),
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  return compareTopics(admin, specs);
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
