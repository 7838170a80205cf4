import { type Admin, AssignerProtocol, Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { TopicSpec } from '@storefront/events';
import { toolKafkaConfig } from '../cli/kafka-options';
// The file, not the barrel: the library's topic check without Nest.
import { ensureTopics } from '../../libs/messaging/src/kafka/topics';
import { waitUntil } from '../runtime/wait';

export interface GroupResync {
  groupId: string;
  /** The recreated topics the group reads. */
  topics: string[];
  /** Members that had to rejoin; 0 when the group was empty. */
  members: number;
  ms: number;
}

const CLIENT_ID = 'storefront-refresh';
const PROBE_CLIENT_ID = 'storefront-refresh-probe';

/**
 * Deletes and recreates topics under running consumers, and makes sure those consumers start
 * the new topics from their first record.
 *
 * Why it is needed: the broker deletes a group's committed offsets with the topic, but a
 * kafkajs member keeps its fetch position in memory. After a quick delete-and-recreate it
 * fetches the new partition at its old position, and when the new topic holds at least that
 * many records (exactly what a second refresh produces: the same keys on the same
 * partitions) it silently skips them. Waiting on readiness does not help: the member never
 * reports a problem. A member re-reads the committed offsets only when it rejoins its group,
 * so after recreating the topics each group that has members gets one more, short-lived
 * member: joining makes every member rejoin; while it is in the group it commits the start of
 * each new partition (an admin offset reset is refused while a group has members); leaving
 * makes every member rejoin again and read those offsets.
 */
export class KafkaReset {
  private readonly kafka: Kafka;
  private admin: Admin;

  private readonly brokers: string[];
  private readonly sasl?: SASLOptions;

  /**
   * `sasl`: the principal on a broker that authenticates (the Swarm stack's). Deleting and
   * creating topics and joining the services' groups takes the super user there.
   */
  constructor(brokers: readonly string[], sasl?: SASLOptions) {
    this.brokers = [...brokers];
    this.sasl = sasl;
    this.kafka = new Kafka({
      ...toolKafkaConfig(CLIENT_ID, { brokers: [...brokers], sasl, topicPrefix: '' }),
      logLevel: logLevel.NOTHING,
    });
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  /** Consumer groups with a member subscribed to one of `topics`, with every topic they read. */
  async consumerGroupsOf(topics: readonly string[]): Promise<Map<string, string[]>> {
    const wanted = new Set(topics);
    const { groups } = await this.admin.listGroups();
    const ids = groups.filter((g) => g.protocolType === 'consumer').map((g) => g.groupId);
    const result = new Map<string, string[]>();
    if (ids.length === 0) return result;
    const described = await this.admin.describeGroups(ids);
    for (const group of described.groups) {
      const subscribed = new Set<string>();
      for (const member of group.members) {
        // A member caught mid-rebalance (e.g. a service just stopped) has empty metadata.
        if (member.memberMetadata.length === 0) continue;
        const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
        for (const topic of metadata?.topics ?? []) subscribed.add(topic);
      }
      const ours = [...subscribed].filter((t) => wanted.has(t));
      if (ours.length > 0) result.set(group.groupId, [...subscribed].sort());
    }
    return result;
  }

  /** Topics whose name starts with `prefix` (tests clean up their own with it). */
  async topicsWithPrefix(prefix: string): Promise<string[]> {
    if (!prefix) throw new Error('an empty prefix would name every topic');
    return (await this.admin.listTopics()).filter((t) => t.startsWith(prefix));
  }

  /** Deletes those of `names` that exist and waits until the broker no longer lists them. */
  async deleteTopics(names: readonly string[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length === 0) return [];
    await this.admin.deleteTopics({ topics: present, timeout: 30_000 });
    await waitUntil(
      async () => {
        const left = new Set(await this.admin.listTopics());
        return present.every((n) => !left.has(n));
      },
      { what: `topics ${present.join(', ')} to be deleted`, timeoutMs: 60_000, intervalMs: 100 },
    );
    return present;
  }

  /**
   * Creates the topics with the contract's partitions and configs. A name whose deletion the
   * broker is still finishing is refused for a moment; creation is retried until it sticks.
   */
  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    let lastError = '';
    await waitUntil(
      async () => {
        try {
          const differences = await ensureTopics(this.admin, specs);
          if (differences.length > 0) throw new Error(differences.join('; '));
          return true;
        } catch (error) {
          lastError = (error as Error).message;
          return false;
        }
      },
      {
        what: 'the topics to be created',
        timeoutMs: 60_000,
        intervalMs: 250,
        detail: () => lastError,
      },
    );
    // This client's metadata still names the deleted partitions' leaders.
    await this.admin.disconnect();
    this.admin = this.kafka.admin();
    await this.admin.connect();
  }

  /**
   * Makes every member of `groupId` drop its fetch positions and start the `recreated` topics
   * at their first record (see the class comment); `subscribed` is every topic the group
   * reads, which the extra member must subscribe to as well. A group without members needs
   * nothing: its offsets went with the deleted topics, and members that join later read
   * from the start.
   */
  async resyncGroup(
    groupId: string,
    subscribed: readonly string[],
    recreated: readonly string[],
    timeoutMs = 90_000,
  ): Promise<GroupResync> {
    const t0 = Date.now();
    const topics = subscribed.filter((t) => recreated.includes(t));
    const [described] = (await this.admin.describeGroups([groupId])).groups;
    const members = described?.members.length ?? 0;
    if (members === 0) return { groupId, topics, members, ms: Date.now() - t0 };
    if (described && described.protocol && described.protocol !== 'RoundRobinAssigner') {
      throw new Error(
        `consumer group ${groupId} uses the ${described.protocol} assignor, not kafkajs' ` +
          'round robin; restart its members instead',
      );
    }
    const starts = await this.topicStarts(topics);
    const probe = new Kafka({
      clientId: PROBE_CLIENT_ID,
      brokers: this.brokers,
      sasl: this.sasl,
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId,
      allowAutoTopicCreation: false,
      // Leaves quickly: disconnect waits for the fetch in flight.
      maxWaitTimeInMs: 100,
      retry: { retries: 2, initialRetryTime: 200 },
    });
    let rejectJoin: (error: Error) => void = () => undefined;
    const joined = new Promise<void>((resolve, reject) => {
      rejectJoin = reject;
      probe.on(probe.events.GROUP_JOIN, () => resolve());
      probe.on(probe.events.CRASH, ({ payload }) => reject(payload.error));
    });
    const timer = setTimeout(
      () =>
        rejectJoin(new Error(`timed out after ${timeoutMs} ms joining consumer group ${groupId}`)),
      timeoutMs,
    );
    try {
      await probe.connect();
      await probe.subscribe({ topics: [...subscribed], fromBeginning: true });
      await probe.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Reads nothing on purpose: what it is handed stays for the real members.
        eachBatch: async () => undefined,
      });
      await joined;
      await probe.commitOffsets(starts);
    } finally {
      clearTimeout(timer);
      await probe.disconnect().catch(() => undefined);
    }
    // The members notice the second rebalance on their next heartbeat; until they have
    // rejoined, nothing of the new topics is consumed.
    await waitUntil(
      async () => {
        const [group] = (await this.admin.describeGroups([groupId])).groups;
        // Empty: the members left meanwhile (a restart); they read the offsets when they join.
        return (
          group?.state === 'Empty' ||
          (group?.state === 'Stable' && group.members.every((m) => m.clientId !== PROBE_CLIENT_ID))
        );
      },
      { what: `consumer group ${groupId} to be stable again`, timeoutMs, intervalMs: 100 },
    );
    await this.verifyOffsets(groupId, topics);
    return { groupId, topics, members, ms: Date.now() - t0 };
  }

  private async topicStarts(
    topics: readonly string[],
  ): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    const starts: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const topic of topics) {
      for (const p of await this.topicOffsets(topic)) {
        starts.push({ topic, partition: p.partition, offset: p.low });
      }
    }
    return starts;
  }

  /** Low and high watermarks; a new partition's leader may take a moment to be known. */
  private async topicOffsets(topic: string) {
    let lastError = '';
    return waitUntil(
      async () => {
        try {
          return await this.admin.fetchTopicOffsets(topic);
        } catch (error) {
          lastError = (error as Error).message;
          return undefined;
        }
      },
      {
        what: `the offsets of ${topic}`,
        timeoutMs: 30_000,
        intervalMs: 200,
        detail: () => lastError,
      },
    );
  }

  /** Every committed offset of the group lies within the new topics. */
  private async verifyOffsets(groupId: string, topics: readonly string[]): Promise<void> {
    const committed = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      const ends = new Map(
        (await this.topicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]),
      );
      for (const { partition, offset } of partitions) {
        const end = ends.get(partition) ?? 0n;
        if (BigInt(offset) > end) {
          throw new Error(
            `consumer group ${groupId} still has offset ${offset} on ${topic}[${partition}], ` +
              `beyond the new topic's end ${end}`,
          );
        }
      }
    }
  }
}
