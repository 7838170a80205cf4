/**
 * Consistency checks between the Swarm stack (the two compose files, the scripts, the
 * Dockerfile) and the code. Each check returns the problems it found as sentences; an empty
 * list means the files agree with the code.
 */
import path from 'node:path';
import { TOPIC_SPECS } from '@storefront/events';
import { loadConfig } from '@storefront/platform';
import type { z } from 'zod';
import {
  type AppInfo,
  type ComposeService,
  type StackModel,
  type StackPart,
  healthcheckCommand,
  networkNames,
  publishedPorts,
  secretRefs,
  serviceEnv,
} from './stack-model';

/** DESIGN §1: the registry and the gateway are middleware, the other apps are services. */
export const MIDDLEWARE_APPS = ['registry', 'gateway'];

/** What the stack publishes on the swarm's ingress (service → published:target). */
export const PUBLISHED = {
  gateway: { published: 8080, target: 8080 },
  registry: { published: 8761, target: 8761 },
  'mongo-express': { published: 8081, target: 8081 },
  'kafka-ui': { published: 9000, target: 8080 },
} as const;

export const NETWORK = 'storefront-net';
const SECRETS_PREFIX = '${STACK_SECRETS_DIR:-./.stack-secrets}/';
const LOOPBACK = /\b(127\.0\.0\.1|localhost)\b|\[?::1\]?/;

/**
 * Variables the stack sets before the app's schema reads them, with the reason. The check
 * "every variable is one the app reads" skips these; drop an entry once the code reads it.
 */
export const AHEAD_OF_CODE: Readonly<Record<string, string>> = {
  ADMIN_API_KEY: 'locks the sample/admin endpoints once fulfillment spreads adminConfigSchema too',
};

type Services = [part: StackPart, name: string, service: ComposeService][];

export function allServices(model: StackModel): Services {
  return (Object.keys(model.files) as StackPart[]).flatMap((part) =>
    Object.entries(model.files[part].services ?? {}).map(
      ([name, service]): [StackPart, string, ComposeService] => [part, name, service],
    ),
  );
}

function findService(model: StackModel, name: string): [StackPart, ComposeService] | undefined {
  for (const part of Object.keys(model.files) as StackPart[]) {
    const service = model.files[part].services?.[name];
    if (service) return [part, service];
  }
  return undefined;
}

function codePort(app: AppInfo): number {
  return Number((app.schema.shape.PORT as z.ZodType | undefined)?.parse(undefined));
}

// ------------------------------------------------------------------------------------------

/** Every app has a service of the same name in the right file, with the image name the build uses. */
export function checkAppsHaveServices(model: StackModel, apps: AppInfo[]): string[] {
  const problems: string[] = [];
  const appNames = apps.map((app) => app.name);
  for (const app of appNames) {
    const expectedPart: StackPart = MIDDLEWARE_APPS.includes(app) ? 'middleware' : 'services';
    const found = findService(model, app);
    if (!found) {
      problems.push(`${app}: no service in the stack files`);
      continue;
    }
    const [part, service] = found;
    if (part !== expectedPart)
      problems.push(`${app}: belongs in the ${expectedPart} file, found in ${part}`);
    const image = `\${REGISTRY:-storefront}/${app}:\${TAG:-latest}`;
    if (service.image !== image)
      problems.push(`${app}: image is ${service.image}, expected ${image}`);
  }
  for (const [, name, service] of allServices(model)) {
    const own = /^\$\{REGISTRY:-storefront\}\/([^:]+):/.exec(service.image ?? '');
    if (own && !appNames.includes(own[1]))
      problems.push(`${name}: image of an unknown app ${own[1]}`);
  }
  return problems;
}

/** Ports: compose PORT = the code's default = the image's PORT; healthchecks and published ports use it. */
export function checkPorts(model: StackModel, apps: AppInfo[]): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    const found = findService(model, app.name);
    if (!found) continue;
    const [part, service] = found;
    const port = codePort(app);
    const env = serviceEnv(service);
    if (env.PORT !== String(port)) {
      problems.push(
        `${app.name}: PORT is ${env.PORT ?? 'unset'} in the stack, ${port} in the code`,
      );
    }
    if (model.buildPorts[app.name] !== port) {
      problems.push(
        `${app.name}: scripts/build-images.sh builds it for port ${model.buildPorts[app.name] ?? '(missing)'}, the code uses ${port}`,
      );
    }
    const health = healthcheckCommand(service);
    if (!health.includes(`http://127.0.0.1:${port}/actuator/health`)) {
      problems.push(
        `${app.name}: the healthcheck does not call /actuator/health on port ${port}: ${health || '(none)'}`,
      );
    }
    const ports = publishedPorts(service);
    if (part === 'services' && ports.length > 0) {
      problems.push(
        `${app.name}: a service publishes no port (everything goes through the gateway)`,
      );
    }
    for (const published of ports) {
      if (published.target !== port) {
        problems.push(
          `${app.name}: publishes target port ${published.target}, the app listens on ${port}`,
        );
      }
    }
  }
  for (const [name, expected] of Object.entries(PUBLISHED)) {
    const service = model.files.middleware.services?.[name];
    const ports = service ? publishedPorts(service) : [];
    if (!ports.some((p) => p.published === expected.published && p.target === expected.target)) {
      problems.push(
        `${name}: must publish ${expected.published}:${expected.target} in the middleware file`,
      );
    }
  }
  for (const [, name, service] of allServices(model)) {
    if (name in PUBLISHED || name === 'kafka') continue;
    if (publishedPorts(service).length > 0)
      problems.push(`${name}: publishes a port it should not`);
  }
  return problems;
}

interface SecretFiles {
  /** Folder with the files `scripts/stack-deploy.sh --secrets-only` wrote. */
  dir: string;
}

function requiredKeys(app: AppInfo): string[] {
  return Object.entries(app.schema.shape)
    .filter(
      ([, schema]) =>
        !(schema as { safeParse(v: unknown): { success: boolean } }).safeParse(undefined).success,
    )
    .map(([key]) => key);
}

/** Keys whose default only works on one machine (loopback): a container must set them. */
function loopbackDefaultKeys(app: AppInfo): string[] {
  return Object.entries(app.schema.shape)
    .filter(([, schema]) => {
      const result = (
        schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }
      ).safeParse(undefined);
      return (
        result.success && result.data !== undefined && LOOPBACK.test(JSON.stringify(result.data))
      );
    })
    .map(([key]) => key);
}

/**
 * Environment: what an app requires (no default) or defaults to loopback is set (directly or
 * as NAME_FILE from a mounted secret); every variable is one the app reads; and the complete
 * container environment, with the secret files the deploy script writes, passes the app's
 * own config validation.
 */
export function checkEnvironment(
  model: StackModel,
  apps: AppInfo[],
  secrets: SecretFiles,
): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    const found = findService(model, app.name);
    if (!found) continue;
    const [part, service] = found;
    const env = serviceEnv(service);
    const isSet = (key: string) => env[key] !== undefined || env[`${key}_FILE`] !== undefined;
    for (const key of requiredKeys(app)) {
      if (!isSet(key))
        problems.push(`${app.name}: requires ${key} (no default), the stack does not set it`);
    }
    for (const key of loopbackDefaultKeys(app)) {
      if (!isSet(key)) {
        problems.push(`${app.name}: ${key} defaults to a loopback address, the stack must set it`);
      }
    }
    const known = new Set(Object.keys(app.schema.shape));
    for (const key of Object.keys(env)) {
      const name = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : key;
      if (!known.has(name) && !(name in AHEAD_OF_CODE)) {
        problems.push(`${app.name}: sets ${key}, which the app does not read (typo?)`);
      }
    }
    // The container's environment: NAME_FILE points at the secret file as mounted.
    const mounted = new Map(
      secretRefs(service).map((ref) => [`/run/secrets/${ref.target ?? ref.source}`, ref.source]),
    );
    const containerEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(env)) {
      if (!key.endsWith('_FILE')) {
        containerEnv[key] = value;
        continue;
      }
      const source = mounted.get(value);
      if (!source) {
        problems.push(`${app.name}: ${key}=${value} but no secret is mounted there`);
        continue;
      }
      if (!model.files[part].secrets?.[source]) {
        problems.push(`${app.name}: secret ${source} is not declared in the ${part} file`);
      }
      containerEnv[key] = path.join(secrets.dir, source);
    }
    try {
      const config: Record<string, unknown> = loadConfig(app.schema, containerEnv);
      if (config.HOST !== '0.0.0.0')
        problems.push(`${app.name}: HOST must be 0.0.0.0 in a container`);
      const loopback = Object.entries(config).filter(
        ([key, value]) => key !== 'HOST' && LOOPBACK.test(JSON.stringify(value ?? '')),
      );
      for (const [key] of loopback)
        problems.push(`${app.name}: ${key} points at loopback in the stack`);
    } catch (error) {
      problems.push(
        `${app.name}: the stack's environment fails the app's config: ${(error as Error).message}`,
      );
    }
  }
  return problems;
}

/** Topic names anywhere in the stack's environment are contract topics; Kafka does not auto-create. */
export function checkTopics(model: StackModel): string[] {
  const problems: string[] = [];
  const known = new Set(TOPIC_SPECS.map((spec) => spec.name));
  const topicLike = /^(accounts|orders|fulfillment)\.[\w-]+\.[\w-]+(\.dlt)?$/;
  for (const [, name, service] of allServices(model)) {
    for (const [key, value] of Object.entries(serviceEnv(service))) {
      const tokens = value.split(/[\s,;]+/).filter(Boolean);
      const candidates = /TOPICS?$/i.test(key)
        ? tokens
        : tokens.filter((token) => topicLike.test(token));
      for (const topic of candidates) {
        if (!known.has(topic))
          problems.push(`${name}: ${key} names topic ${topic}, not in the contract (TOPIC_SPECS)`);
      }
    }
  }
  const kafka = model.files.middleware.services?.kafka;
  if (!kafka) {
    problems.push('kafka: no service in the middleware file');
  } else {
    const env = serviceEnv(kafka);
    if (env.KAFKA_AUTO_CREATE_TOPICS_ENABLE !== 'false') {
      problems.push(
        'kafka: KAFKA_AUTO_CREATE_TOPICS_ENABLE must be "false" (topics come from the contract)',
      );
    }
    if (kafka.image !== `apache/kafka:${model.kafkaVersion}`) {
      problems.push(
        `kafka: image ${kafka.image}, the tests run ${model.kafkaVersion} (infra/kafka/pom.xml)`,
      );
    }
  }
  return problems;
}

function isStateful(service: ComposeService): boolean {
  return (service.volumes ?? []).some((volume) =>
    typeof volume === 'string'
      ? !volume.startsWith('/') && !volume.startsWith('.')
      : volume.type !== 'bind',
  );
}

/** Healthchecks, limits, restart and update policies, network, placement of stateful services. */
export function checkDeployPolicies(model: StackModel, apps: AppInfo[]): string[] {
  const problems: string[] = [];
  for (const [part, name, service] of allServices(model)) {
    const health = service.healthcheck;
    const test = healthcheckCommand(service);
    if (!health || health.disable || !test || /^NONE\b/.test(test))
      problems.push(`${name}: no healthcheck`);
    const deploy = service.deploy ?? {};
    if (!deploy.resources?.limits?.memory || !deploy.resources.limits.cpus) {
      problems.push(`${name}: needs deploy.resources.limits (cpus and memory)`);
    }
    if (!deploy.restart_policy?.condition) problems.push(`${name}: needs deploy.restart_policy`);
    const update = deploy.update_config ?? {};
    if (update.failure_action !== 'rollback')
      problems.push(`${name}: update_config.failure_action must be rollback`);
    const stateful = isStateful(service);
    const order = stateful ? 'stop-first' : 'start-first';
    if (update.order !== order) {
      problems.push(
        `${name}: update_config.order must be ${order}${stateful ? ' (one writer per volume)' : ''}, is ${update.order ?? 'unset'}`,
      );
    }
    if (!networkNames(service).includes(NETWORK))
      problems.push(`${name}: not on the ${NETWORK} network`);
    if (stateful) {
      if (!deploy.placement?.constraints?.length) {
        problems.push(`${name}: keeps data in a volume, so it needs a placement constraint`);
      }
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
        if (source && !(source in (model.files[part].volumes ?? {}))) {
          problems.push(`${name}: volume ${source} is not declared in the ${part} file`);
        }
      }
    }
  }
  for (const part of Object.keys(model.files) as StackPart[]) {
    const network = model.files[part].networks?.[NETWORK];
    if (network?.driver !== 'overlay')
      problems.push(`${part} file: network ${NETWORK} must use the overlay driver`);
  }
  if (
    JSON.stringify(model.files.middleware.networks?.[NETWORK]) !==
    JSON.stringify(model.files.services.networks?.[NETWORK])
  ) {
    problems.push(`the two files define ${NETWORK} differently (one stack, one network)`);
  }
  for (const app of apps) {
    if (MIDDLEWARE_APPS.includes(app.name)) continue;
    const replicas = String(model.files.services.services?.[app.name]?.deploy?.replicas ?? '');
    const variable = `${app.name.toUpperCase()}_REPLICAS`;
    if (!new RegExp(`^\\$\\{${variable}:-[1-9]\\d*\\}$`).test(replicas)) {
      problems.push(
        `${app.name}: replicas must be configurable as \${${variable}:-N}, is ${replicas || 'unset'}`,
      );
    }
  }
  return problems;
}

/**
 * Secrets: every reference is declared; declared ones are files the deploy script writes;
 * credentials never sit in plain variables.
 */
export function checkSecrets(model: StackModel): string[] {
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const part of Object.keys(model.files) as StackPart[]) {
    for (const [name, secret] of Object.entries(model.files[part].secrets ?? {})) {
      declared.add(name);
      if (secret.file !== `${SECRETS_PREFIX}${name}`) {
        problems.push(
          `secret ${name}: file must be ${SECRETS_PREFIX}${name}, is ${secret.file ?? '(none)'}`,
        );
      }
    }
  }
  for (const [part, name, service] of allServices(model)) {
    for (const ref of secretRefs(service)) {
      if (!model.files[part].secrets?.[ref.source]) {
        problems.push(`${name}: uses secret ${ref.source}, not declared in the ${part} file`);
      }
    }
    for (const [key, value] of Object.entries(serviceEnv(service))) {
      if (/(PASSWORD|SECRET|TOKEN|_KEY)$/.test(key)) {
        problems.push(
          `${name}: ${key} is a credential in plain text; use ${key}_FILE and a secret`,
        );
      }
      if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(value)) {
        problems.push(`${name}: ${key} holds a URL with a password; use a secret`);
      }
    }
  }
  const scripted = new Set(model.deployScript.secrets);
  for (const name of declared) {
    if (!scripted.has(name))
      problems.push(`secret ${name}: scripts/stack-deploy.sh does not create it`);
  }
  for (const name of scripted) {
    if (!declared.has(name))
      problems.push(`secret ${name}: created by scripts/stack-deploy.sh but used by no file`);
  }
  if (!/^\.stack-secrets\/?$/m.test(model.gitignore))
    problems.push('.stack-secrets/ must be git-ignored');
  return problems;
}

/** Every `${VAR}` has a default, so `docker stack config` and a bare deploy work with no environment. */
export function checkVariableDefaults(model: StackModel): string[] {
  const problems: string[] = [];
  for (const part of Object.keys(model.texts) as StackPart[]) {
    for (const match of model.texts[part].matchAll(/\$\{([^}]*)\}/g)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*:-[^}]+$/.test(match[1])) {
        problems.push(`${part} file: \${${match[1]}} needs a default (\${VAR:-default})`);
      }
    }
  }
  return problems;
}

/** The scripts name the same services, images, volumes and databases as the files and the code. */
export function checkScripts(model: StackModel, apps: AppInfo[]): string[] {
  const problems: string[] = [];
  const same = (what: string, actual: string[], expected: string[]) => {
    if ([...actual].sort().join(' ') !== [...expected].sort().join(' ')) {
      problems.push(`${what}: [${actual.join(', ')}], expected [${expected.join(', ')}]`);
    }
  };
  same(
    'scripts/stack-deploy.sh MIDDLEWARE_SERVICES',
    model.deployScript.middleware,
    Object.keys(model.files.middleware.services ?? {}),
  );
  same(
    'scripts/stack-deploy.sh APP_SERVICES',
    model.deployScript.apps,
    Object.keys(model.files.services.services ?? {}),
  );
  same(
    'scripts/stack-deploy.sh APP_IMAGES',
    model.deployScript.images,
    apps.map((app) => app.name),
  );
  same(
    'scripts/build-images.sh APP_PORTS',
    Object.keys(model.buildPorts),
    apps.map((app) => app.name),
  );
  same(
    'scripts/stack-remove.sh VOLUMES',
    model.removeVolumes,
    (Object.keys(model.files) as StackPart[]).flatMap((part) =>
      Object.keys(model.files[part].volumes ?? {}),
    ),
  );
  same(
    'databases in docker/mongo/init-storefront-user.js',
    model.mongoInitDatabases,
    apps.filter((app) => 'MONGO_URL' in app.schema.shape).map((app) => app.name),
  );
  return problems;
}

/** The image: non-root, a healthcheck, production dependencies only, the Node LTS major. */
export function checkDockerfile(model: StackModel): string[] {
  const problems: string[] = [];
  const stages = model.dockerfile.split(/^FROM /m);
  const runtime = stages[stages.length - 1];
  if (!/^USER node$/m.test(runtime))
    problems.push('docker/Dockerfile: the runtime stage must run as USER node');
  if (!/^HEALTHCHECK /m.test(runtime))
    problems.push('docker/Dockerfile: the runtime stage needs a HEALTHCHECK');
  if (!/npm ci --omit=dev/.test(model.dockerfile)) {
    problems.push('docker/Dockerfile: runtime node_modules must come from npm ci --omit=dev');
  }
  const node = /^ARG NODE_VERSION=(\d+)\./m.exec(model.dockerfile);
  if (!node || Number(node[1]) < 26)
    problems.push('docker/Dockerfile: use the current Node LTS (26) image');
  return problems;
}
