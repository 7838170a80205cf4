import { deadLetterTopic, EVENT_SERVICES, type EventService, TOPIC_OWNERSHIP } from './topics';

/**
 * The broker's access rules as data: one table for the local `--secure` runtime (created with
 * kafkajs as `admin`) and for the Swarm stack's entry script (`tools/kafka-acls.ts` prints it
 * as kafka-acls.sh arguments). Kafka names, not kafkajs enums, so the table reads like the
 * broker's own `kafka-acls.sh --list`.
 */

/** The super user (`super.users`): creates topics and ACLs; no service runs as it. */
export const KAFKA_SUPER_USER = 'admin';

/** The read-only console. */
export const KAFKA_UI_PRINCIPAL = 'kafka-ui';

/** Every SASL user the broker knows besides the super user: one per service, and the console. */
export const KAFKA_PRINCIPALS = [...EVENT_SERVICES, KAFKA_UI_PRINCIPAL] as const;

export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

export type AclResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER';
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclOperation = 'READ' | 'WRITE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS';

/** One ALLOW rule from any host (the table has no DENY rules: no ACL means no access). */
export interface KafkaAcl {
  readonly principal: `User:${KafkaPrincipal}`;
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  readonly operation: AclOperation;
}

/** The only name a CLUSTER resource can have. */
const CLUSTER = 'kafka-cluster';

/**
 * The ACLs for one topic prefix (`KAFKA_TOPIC_PREFIX`: empty in production, per test run in
 * tests): names are physical, so `t42.` yields rules on `t42.accounts.customer.change`. A
 * service's consumer group is `<prefix><service>`, as the test stack names them.
 *
 * - A service may WRITE the topics it produces and READ (and DESCRIBE) those it consumes, READ
 *   its own consumer group (join, commit) and WRITE the dead-letter topic of each topic it
 *   consumes. DESCRIBE_CONFIGS on every topic it touches lets it verify the topic's settings at
 *   start-up. No CREATE: `admin` creates the topics. No IDEMPOTENT_WRITE: since Kafka 3.0
 *   (KIP-679) WRITE on a topic is enough for an idempotent producer.
 * - `kafka-ui` may read and describe every topic and describe every group (their offsets and
 *   lag) and the cluster. No READ on groups: that would let it commit offsets for a service.
 */
export function kafkaAcls(topicPrefix = ''): KafkaAcl[] {
  const topic = (name: string): string => `${topicPrefix}${name}`;
  const acls: KafkaAcl[] = [];
  const allow = (
    principal: KafkaPrincipal,
    resourceType: AclResourceType,
    resourceName: string,
    operations: readonly AclOperation[],
    patternType: AclPatternType = 'LITERAL',
  ): void => {
    for (const operation of operations) {
      acls.push({
        principal: `User:${principal}`,
        resourceType,
        resourceName,
        patternType,
        operation,
      });
    }
  };

  for (const service of EVENT_SERVICES) {
    const { produces, consumes } = TOPIC_OWNERSHIP[service];
    for (const name of produces)
      allow(service, 'TOPIC', topic(name), ['WRITE', 'DESCRIBE_CONFIGS']);
    for (const name of consumes) {
      allow(service, 'TOPIC', topic(name), ['READ', 'DESCRIBE', 'DESCRIBE_CONFIGS']);
      allow(service, 'TOPIC', topic(deadLetterTopic(name)), ['WRITE', 'DESCRIBE_CONFIGS']);
    }
    if (consumes.length > 0)
      allow(service, 'GROUP', consumerGroupOf(service, topicPrefix), ['READ']);
  }

  // Everything under the prefix; without one, everything (the literal wildcard `*`).
  const [everything, pattern]: [string, AclPatternType] = topicPrefix
    ? [topicPrefix, 'PREFIXED']
    : ['*', 'LITERAL'];
  allow(KAFKA_UI_PRINCIPAL, 'TOPIC', everything, ['READ', 'DESCRIBE', 'DESCRIBE_CONFIGS'], pattern);
  allow(KAFKA_UI_PRINCIPAL, 'GROUP', everything, ['DESCRIBE'], pattern);
  allow(KAFKA_UI_PRINCIPAL, 'CLUSTER', CLUSTER, ['DESCRIBE', 'DESCRIBE_CONFIGS']);
  return acls;
}

/** The consumer group a service joins (its KAFKA_CONSUMER_GROUP) under a topic prefix. */
export function consumerGroupOf(service: EventService, topicPrefix = ''): string {
  return `${topicPrefix}${service}`;
}

/**
 * One rule as the arguments of Kafka's `kafka-acls.sh` (after `--bootstrap-server … --add`),
 * e.g. `--allow-principal User:orders --operation Read --topic accounts.customer.change`.
 */
export function kafkaAclsShArgs(acl: KafkaAcl): string[] {
  const resource = {
    TOPIC: ['--topic', acl.resourceName],
    GROUP: ['--group', acl.resourceName],
    CLUSTER: ['--cluster'],
  }[acl.resourceType];
  return [
    '--allow-principal',
    acl.principal,
    '--operation',
    OPERATION_NAMES[acl.operation],
    ...resource,
    ...(acl.patternType === 'PREFIXED' ? ['--resource-pattern-type', 'prefixed'] : []),
  ];
}

const OPERATION_NAMES: Record<AclOperation, string> = {
  READ: 'Read',
  WRITE: 'Write',
  DESCRIBE: 'Describe',
  DESCRIBE_CONFIGS: 'DescribeConfigs',
};
