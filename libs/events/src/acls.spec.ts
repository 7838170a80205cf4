import { type KafkaAcl, kafkaAcls, kafkaAclsShArgs, KAFKA_PRINCIPALS } from './acls';

/** The table as `principal operation type:name[*]` lines (`*` marks a prefixed pattern). */
function rules(prefix = ''): string[] {
  return kafkaAcls(prefix).map(
    (acl) =>
      `${acl.principal} ${acl.operation} ${acl.resourceType}:${acl.resourceName}${acl.patternType === 'PREFIXED' ? '*' : ''}`,
  );
}

function rulesOf(principal: string, prefix = ''): string[] {
  return rules(prefix).filter((rule) => rule.startsWith(`User:${principal} `));
}

describe('kafkaAcls', () => {
  it('names every principal but the super user', () => {
    expect(KAFKA_PRINCIPALS).toEqual(['accounts', 'orders', 'fulfillment', 'kafka-ui']);
    expect(new Set(kafkaAcls().map((acl) => acl.principal))).toEqual(
      new Set(KAFKA_PRINCIPALS.map((p) => `User:${p}`)),
    );
  });

  it.each([
    ['accounts', 'WRITE', 'TOPIC:accounts.customer.change'],
    ['orders', 'READ', 'TOPIC:accounts.customer.change'],
    ['orders', 'DESCRIBE', 'TOPIC:accounts.customer.change'],
    ['orders', 'WRITE', 'TOPIC:accounts.customer.change.dlt'],
    ['orders', 'READ', 'GROUP:orders'],
    ['orders', 'WRITE', 'TOPIC:orders.order.fulfill'],
    ['orders', 'READ', 'TOPIC:fulfillment.order.change'],
    ['orders', 'WRITE', 'TOPIC:fulfillment.order.change.dlt'],
    ['fulfillment', 'READ', 'TOPIC:orders.order.fulfill'],
    ['fulfillment', 'WRITE', 'TOPIC:orders.order.fulfill.dlt'],
    ['fulfillment', 'READ', 'GROUP:fulfillment'],
    ['fulfillment', 'WRITE', 'TOPIC:fulfillment.order.change'],
    ['kafka-ui', 'READ', 'TOPIC:*'],
    ['kafka-ui', 'DESCRIBE', 'GROUP:*'],
    ['kafka-ui', 'DESCRIBE_CONFIGS', 'CLUSTER:kafka-cluster'],
  ])('allows %s to %s %s', (principal, operation, resource) => {
    expect(rulesOf(principal)).toContain(`User:${principal} ${operation} ${resource}`);
  });

  it.each([
    // The forgery the ACLs exist for: only accounts writes customer state.
    ['orders', 'WRITE', 'TOPIC:accounts.customer.change'],
    ['fulfillment', 'WRITE', 'TOPIC:accounts.customer.change'],
    ['kafka-ui', 'WRITE', 'TOPIC:accounts.customer.change'],
    ['accounts', 'WRITE', 'TOPIC:orders.order.fulfill'],
    ['fulfillment', 'WRITE', 'TOPIC:orders.order.fulfill'],
    ['accounts', 'WRITE', 'TOPIC:fulfillment.order.change'],
    ['orders', 'WRITE', 'TOPIC:fulfillment.order.change'],
    ['accounts', 'READ', 'TOPIC:accounts.customer.change'],
    ['fulfillment', 'READ', 'TOPIC:accounts.customer.change'],
    ['accounts', 'READ', 'GROUP:orders'],
    ['fulfillment', 'READ', 'GROUP:orders'],
    ['orders', 'READ', 'GROUP:fulfillment'],
    // Reading a group's offsets is fine; committing them (READ) is not, for the console.
    ['kafka-ui', 'READ', 'GROUP:*'],
  ])('does not allow %s to %s %s', (principal, operation, resource) => {
    expect(rulesOf(principal)).not.toContain(`User:${principal} ${operation} ${resource}`);
  });

  it('allows no CREATE, DELETE, ALTER or cluster-wide write to anyone (admin is the super user)', () => {
    const operations = new Set(kafkaAcls().map((acl) => acl.operation));
    expect([...operations].sort()).toEqual(['DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE']);
    expect(
      kafkaAcls().filter((acl) => acl.resourceType === 'CLUSTER' && acl.operation === 'WRITE'),
    ).toEqual([]);
  });

  it('gives accounts exactly its one topic', () => {
    expect(rulesOf('accounts')).toEqual([
      'User:accounts WRITE TOPIC:accounts.customer.change',
      'User:accounts DESCRIBE_CONFIGS TOPIC:accounts.customer.change',
    ]);
  });

  it.each(['t42.', 'bench_x.'])('prefixes every topic and group name with %s', (prefix) => {
    const acls = kafkaAcls(prefix).filter((acl) => acl.resourceType !== 'CLUSTER');
    expect(acls.every((acl) => acl.resourceName.startsWith(prefix))).toBe(true);
    expect(rulesOf('orders', prefix)).toContain(`User:orders READ GROUP:${prefix}orders`);
    expect(rulesOf('kafka-ui', prefix)).toContain(`User:kafka-ui READ TOPIC:${prefix}*`);
  });

  it.each<[KafkaAcl, string]>([
    [
      {
        principal: 'User:orders',
        resourceType: 'TOPIC',
        resourceName: 'accounts.customer.change',
        patternType: 'LITERAL',
        operation: 'READ',
      },
      '--allow-principal User:orders --operation Read --topic accounts.customer.change',
    ],
    [
      {
        principal: 'User:kafka-ui',
        resourceType: 'GROUP',
        resourceName: 't1.',
        patternType: 'PREFIXED',
        operation: 'DESCRIBE',
      },
      '--allow-principal User:kafka-ui --operation Describe --group t1. --resource-pattern-type prefixed',
    ],
    [
      {
        principal: 'User:kafka-ui',
        resourceType: 'CLUSTER',
        resourceName: 'kafka-cluster',
        patternType: 'LITERAL',
        operation: 'DESCRIBE_CONFIGS',
      },
      '--allow-principal User:kafka-ui --operation DescribeConfigs --cluster',
    ],
  ])('prints %j as kafka-acls.sh arguments', (acl, line) => {
    expect(kafkaAclsShArgs(acl).join(' ')).toBe(line);
  });
});
