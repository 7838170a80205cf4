/**
 * The Swarm stack agrees with the code: every app has a service and an image, ports match the
 * apps' config, every variable an app needs is set, secrets exist, topic names are the
 * contract's. `docker stack config` (CI, .ci/run) validates the files' schema; this test
 * validates their meaning. The second half mutates a copy of the files to show each check
 * fails when they drift.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  checkAppsHaveServices,
  checkDeployPolicies,
  checkDockerfile,
  checkEnvironment,
  checkPorts,
  checkScripts,
  checkSecrets,
  checkTopics,
  checkVariableDefaults,
} from './stack-checks';
import { type AppInfo, type StackModel, ROOT, loadApps, loadStackModel } from './stack-model';

let model: StackModel;
let apps: AppInfo[];
let secretsDir: string;

beforeAll(() => {
  model = loadStackModel();
  apps = loadApps();
  // The secret files exactly as the deploy script writes them on a first deploy.
  secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-secrets-'));
  execFileSync('bash', [path.join(ROOT, 'scripts', 'stack-deploy.sh'), '--secrets-only'], {
    env: { ...process.env, STACK_SECRETS_DIR: secretsDir },
    stdio: 'pipe',
  });
});

afterAll(() => {
  if (secretsDir) fs.rmSync(secretsDir, { recursive: true, force: true });
});

const secrets = () => ({ dir: secretsDir });
const copy = () => structuredClone(model);
const app = (name: string) => apps.find((a) => a.name === name)!;

describe('the stack files agree with the code', () => {
  it('finds the five apps', () => {
    expect(apps.map((a) => a.name)).toEqual([
      'accounts',
      'fulfillment',
      'gateway',
      'orders',
      'registry',
    ]);
  });

  it('gives every app a service with the image the build tags', () => {
    expect(checkAppsHaveServices(model, apps)).toEqual([]);
  });

  it('uses the ports of the code, publishes only the entry points, no service port', () => {
    expect(checkPorts(model, apps)).toEqual([]);
  });

  it("sets every variable an app requires, and the environment passes each app's config", () => {
    expect(checkEnvironment(model, apps, secrets())).toEqual([]);
  });

  it('names only contract topics; Kafka matches the tests and does not auto-create', () => {
    expect(checkTopics(model)).toEqual([]);
  });

  it('has healthchecks, limits, restart and rolling-update policies, one overlay network', () => {
    expect(checkDeployPolicies(model, apps)).toEqual([]);
  });

  it('keeps credentials in secrets that the deploy script creates', () => {
    expect(checkSecrets(model)).toEqual([]);
    expect(fs.readdirSync(secretsDir).sort()).toEqual([...model.deployScript.secrets].sort());
  });

  it('gives every ${VAR} a default', () => {
    expect(checkVariableDefaults(model)).toEqual([]);
  });

  it('keeps the scripts in step with the files', () => {
    expect(checkScripts(model, apps)).toEqual([]);
  });

  it('builds a non-root image with a healthcheck on the Node LTS', () => {
    expect(checkDockerfile(model)).toEqual([]);
  });
});

describe('the checks catch drift', () => {
  it('a service that lost a variable its app needs', () => {
    const drifted = copy();
    delete (drifted.files.services.services.orders.environment as Record<string, unknown>)
      .KAFKA_BROKERS;
    expect(checkEnvironment(drifted, apps, secrets())).toEqual([
      'orders: KAFKA_BROKERS defaults to a loopback address, the stack must set it',
      'orders: KAFKA_BROKERS points at loopback in the stack',
    ]);
  });

  it('a new required variable the stack does not set', () => {
    const accounts = app('accounts');
    const withRequired = apps.map((a) =>
      a === accounts ? { ...a, schema: accounts.schema.extend({ PAYMENT_URL: z.url() }) } : a,
    );
    expect(checkEnvironment(model, withRequired, secrets())).toEqual(
      expect.arrayContaining([
        'accounts: requires PAYMENT_URL (no default), the stack does not set it',
      ]),
    );
  });

  it('a misspelt variable, a value the app rejects, a secret that is not mounted', () => {
    const drifted = copy();
    const env = drifted.files.services.services.fulfillment.environment as Record<string, unknown>;
    env.KAFKA_BROKER = 'kafka:9092';
    env.LOG_LEVEL = 'loud';
    drifted.files.services.services.fulfillment.secrets = ['admin_api_key'];
    const problems = checkEnvironment(drifted, apps, secrets());
    expect(problems).toContain(
      'fulfillment: sets KAFKA_BROKER, which the app does not read (typo?)',
    );
    expect(problems).toContain(
      'fulfillment: MONGO_URL_FILE=/run/secrets/mongo_app_url but no secret is mounted there',
    );
    expect(
      problems.some(
        (p) =>
          p.startsWith("fulfillment: the stack's environment fails") && p.includes('LOG_LEVEL'),
      ),
    ).toBe(true);
  });

  it('a port that moved in the code but not in the stack', () => {
    const moved = apps.map((a) =>
      a.name === 'orders'
        ? { ...a, schema: a.schema.extend({ PORT: z.coerce.number().default(8091) }) }
        : a,
    );
    expect(checkPorts(model, moved)).toEqual([
      'orders: PORT is 8090 in the stack, 8091 in the code',
      'orders: scripts/build-images.sh builds it for port 8090, the code uses 8091',
      'orders: the healthcheck does not call /actuator/health on port 8091: CMD wget -q -T 4 -O /dev/null http://127.0.0.1:8090/actuator/health/liveness',
    ]);
  });

  it('a published service port, a missing console port', () => {
    const drifted = copy();
    drifted.files.services.services.accounts.ports = ['8085:8085'];
    drifted.files.middleware.services['kafka-ui'].ports = ['9001:8080'];
    expect(checkPorts(drifted, apps)).toEqual([
      'accounts: a service publishes no port (everything goes through the gateway)',
      'kafka-ui: must publish 9000:8080 in the middleware file',
      'accounts: publishes a port it should not',
    ]);
  });

  it('an image name the build does not produce, an app without a service', () => {
    const drifted = copy();
    drifted.files.middleware.services.gateway.image = 'storefront/gateway:latest';
    delete (drifted.files.services.services as Record<string, unknown>).fulfillment;
    expect(checkAppsHaveServices(drifted, apps)).toEqual([
      'fulfillment: no service in the stack files',
      'gateway: image is storefront/gateway:latest, expected ${REGISTRY:-storefront}/gateway:${TAG:-latest}',
    ]);
  });

  it('a topic name that is not in the contract, auto-create switched on', () => {
    const drifted = copy();
    (
      drifted.files.middleware.services['kafka-ui'].environment as Record<string, unknown>
    ).KAFKA_CLUSTERS_0_TOPIC = 'orders.order.fulfil';
    (
      drifted.files.middleware.services.kafka.environment as Record<string, unknown>
    ).KAFKA_AUTO_CREATE_TOPICS_ENABLE = 'true';
    expect(checkTopics(drifted)).toEqual([
      'kafka-ui: KAFKA_CLUSTERS_0_TOPIC names topic orders.order.fulfil, not in the contract (TOPIC_SPECS)',
      'kafka: KAFKA_AUTO_CREATE_TOPICS_ENABLE must be "false" (topics come from the contract)',
    ]);
  });

  it('a missing healthcheck, limit or rollback; a start-first broker', () => {
    const drifted = copy();
    delete drifted.files.services.services.orders.healthcheck;
    delete drifted.files.middleware.services.mongo.deploy!.resources;
    drifted.files.middleware.services['kafka-ui'].deploy!.update_config = { order: 'start-first' };
    drifted.files.middleware.services.kafka.deploy!.update_config!.order = 'start-first';
    expect(checkDeployPolicies(drifted, apps)).toEqual([
      'kafka: update_config.order must be stop-first (one writer per volume), is start-first',
      'mongo: needs deploy.resources.limits (cpus and memory)',
      'kafka-ui: update_config.failure_action must be rollback',
      'orders: no healthcheck',
    ]);
  });

  it('fixed replicas', () => {
    const drifted = copy();
    drifted.files.services.services.orders.deploy!.replicas = 2;
    expect(checkDeployPolicies(drifted, apps)).toEqual([
      'orders: replicas must be configurable as ${ORDERS_REPLICAS:-N}, is 2',
    ]);
  });

  it('an undeclared secret, a plain-text password, a secret the script does not create', () => {
    const drifted = copy();
    drifted.files.middleware.services['mongo-express'].secrets = ['mongo_root_url', 'me_password'];
    (
      drifted.files.middleware.services.mongo.environment as Record<string, unknown>
    ).MONGO_INITDB_ROOT_PASSWORD = 'example';
    drifted.deployScript.secrets = drifted.deployScript.secrets.filter(
      (name) => name !== 'admin_api_key',
    );
    expect(checkSecrets(drifted)).toEqual([
      'mongo: MONGO_INITDB_ROOT_PASSWORD is a credential in plain text; use MONGO_INITDB_ROOT_PASSWORD_FILE and a secret',
      'mongo-express: uses secret me_password, not declared in the middleware file',
      'secret admin_api_key: scripts/stack-deploy.sh does not create it',
    ]);
  });

  it('a variable without a default', () => {
    const drifted = copy();
    drifted.texts.services = drifted.texts.services.replace('${TAG:-latest}', '${TAG}');
    expect(checkVariableDefaults(drifted)).toEqual([
      'services file: ${TAG} needs a default (${VAR:-default})',
    ]);
  });

  it('scripts that forgot a service, a volume or a database', () => {
    const drifted = copy();
    drifted.deployScript.apps = ['accounts', 'orders'];
    drifted.removeVolumes = ['kafka-data'];
    drifted.mongoInitDatabases = ['accounts', 'orders'];
    expect(checkScripts(drifted, apps)).toEqual([
      'scripts/stack-deploy.sh APP_SERVICES: [accounts, orders], expected [accounts, orders, fulfillment]',
      'scripts/stack-remove.sh VOLUMES: [kafka-data], expected [kafka-data, mongo-data]',
      'databases in docker/mongo/init-storefront-user.js: [accounts, orders], expected [accounts, fulfillment, orders]',
    ]);
  });

  it('an image that runs as root', () => {
    const drifted = copy();
    drifted.dockerfile = drifted.dockerfile.replace(/^USER node$/m, '');
    expect(checkDockerfile(drifted)).toEqual([
      'docker/Dockerfile: the runtime stage must run as USER node',
    ]);
  });
});
