/**
 * The static checks of tools/stack/stack-checks.ts: the real files pass, and each check fails on
 * a copy with the drift it exists to catch.
 */
import {
  type AppInfo,
  type StackFiles,
  checkKafkaAclsMatchLibrary,
  checkKafkaSetup,
  checkKafkaVersion,
  checkNoPlainCredentials,
  checkPublishedPorts,
  checkVariableDefaults,
  checkVariablesRead,
  loadApps,
  loadStackFiles,
} from './stack-checks';

let files: StackFiles;
let apps: AppInfo[];

beforeAll(() => {
  files = loadStackFiles();
  apps = loadApps();
});

const copy = (): StackFiles => structuredClone(files);

describe('the stack files', () => {
  it('find the five apps', () => {
    expect(apps.map((a) => a.name)).toEqual([
      'accounts',
      'fulfillment',
      'gateway',
      'orders',
      'registry',
    ]);
  });

  it('set only variables the apps read', () => {
    expect(checkVariablesRead(files, apps)).toEqual([]);
  });

  it('keep credentials out of plain variables', () => {
    expect(checkNoPlainCredentials(files)).toEqual([]);
  });

  it('give every ${VAR} a default', () => {
    expect(checkVariableDefaults(files)).toEqual([]);
  });

  it("run the tests' Kafka version, official image and ours", () => {
    expect(checkKafkaVersion(files)).toEqual([]);
  });

  it('publish only the gateway, mongo-express and kafka-ui', () => {
    expect(checkPublishedPorts(files)).toEqual([]);
  });

  it("create the contract's topics and grant ACLs on them only, to SCRAM users", () => {
    expect(checkKafkaSetup(files, undefined, consumerGroups())).toEqual([]);
  });

  it("grant exactly the messaging library's ACLs to its principals", () => {
    expect(checkKafkaAclsMatchLibrary(files)).toEqual([]);
  });
});

/** The apps' consumer groups: the default of each one's KAFKA_CONSUMER_GROUP. */
function consumerGroups(): string[] {
  return apps.flatMap((app) => {
    const field = app.schema.shape.KAFKA_CONSUMER_GROUP as
      { parse(v: unknown): unknown } | undefined;
    return field ? [String(field.parse(undefined))] : [];
  });
}

describe('the checks catch drift', () => {
  it('a misspelt variable', () => {
    const drifted = copy();
    drifted.services.orders.environment = {
      ...drifted.services.orders.environment,
      KAFKA_BROKER: 'kafka:9092',
    };
    expect(checkVariablesRead(drifted, apps)).toEqual([
      'orders: sets KAFKA_BROKER, which the app does not read',
    ]);
  });

  it('a password in plain text, and in a URL', () => {
    const drifted = copy();
    drifted.services.accounts.environment = {
      ...drifted.services.accounts.environment,
      ADMIN_API_KEY: 'letmein',
      MONGO_URL: 'mongodb://storefront:pw@mongo:27017/',
    };
    expect(checkNoPlainCredentials(drifted)).toEqual([
      'accounts: ADMIN_API_KEY is a credential in plain text; use ADMIN_API_KEY_FILE and a secret',
      'accounts: MONGO_URL holds a URL with a password; use a secret',
    ]);
  });

  it('a variable without a default', () => {
    const drifted = copy();
    drifted.texts['docker-compose-services.yml'] += '\n# replicas: ${ORDERS_REPLICAS}\n';
    expect(checkVariableDefaults(drifted)).toEqual([
      'docker-compose-services.yml: ${ORDERS_REPLICAS} needs a default (${VAR:-default})',
    ]);
  });

  it('a published port users do not need', () => {
    const drifted = copy();
    drifted.services.registry.ports = [{ target: 8761, published: 8761 }];
    expect(checkPublishedPorts(drifted)).toEqual([
      'registry: publishes 8761, which users do not need',
    ]);
  });

  it('a topic or an ACL of the entry script that the contract does not know', () => {
    const drifted = copy();
    drifted.kafkaEntry = drifted.kafkaEntry
      .replace("'orders.order.fulfill 3 -'", "'orders.order.fulfil 3 -'")
      .replace("'orders Read group orders'", "'orders Read group order'")
      .replace("'kafka-ui Describe group *'", "'admin Describe group *'");
    expect(checkKafkaSetup(drifted, undefined, consumerGroups())).toEqual([
      'docker/kafka/secure-kafka.sh: TOPICS lacks orders.order.fulfill 3 []',
      'docker/kafka/secure-kafka.sh: TOPICS has orders.order.fulfil 3 [], not in the contract',
      'docker/kafka/secure-kafka.sh: orders Read group order: no such group',
      'docker/kafka/secure-kafka.sh: admin Describe group *: not a SCRAM user of the stack besides the super user',
    ]);
  });

  it('an ACL the library does not grant, or one it grants that the script lacks', () => {
    const drifted = copy();
    drifted.kafkaEntry = drifted.kafkaEntry.replace(
      "'kafka-ui Describe group *'",
      "'kafka-ui Read,Describe group *'",
    );
    drifted.kafkaEntry = drifted.kafkaEntry.replace("  'fulfillment Read group fulfillment'\n", '');
    expect(checkKafkaAclsMatchLibrary(drifted)).toEqual([
      'docker/kafka/secure-kafka.sh: ACLS lacks fulfillment Read group fulfillment (libs/events/src/acls.ts)',
      'docker/kafka/secure-kafka.sh: ACLS has kafka-ui Read group *, not in libs/events/src/acls.ts',
    ]);
  });

  it('a Kafka image of another version, in either path', () => {
    const drifted = copy();
    drifted.services.kafka.image = '${KAFKA_IMAGE:-apache/kafka:4.0.0}';
    drifted.fromSourceEnv = drifted.fromSourceEnv.replace(
      /storefront\/kafka:[^\s']+/,
      'storefront/kafka:3.9.1',
    );
    expect(checkKafkaVersion(drifted)).toHaveLength(2);
  });
});
