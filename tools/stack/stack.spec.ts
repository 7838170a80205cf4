/**
 * The static checks of tools/stack/stack-checks.ts: the real files pass, and each check fails on
 * a copy with the drift it exists to catch.
 */
import {
  type AppInfo,
  type StackFiles,
  checkKafkaVersion,
  checkNoPlainCredentials,
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
});

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
