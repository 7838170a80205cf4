/**
 * What deploying the stack cannot show, checked on the files themselves (`npm run test:stack`
 * deploys the stack for real and shows the rest: services, images, ports, health, secrets,
 * topics, scripts). A deployment here uses the from-source images, and a misspelt optional
 * variable or a password in plain text deploys fine, so these four stay:
 * - every variable the stack sets on an app is one the app reads (a typo would be ignored);
 * - no credential sits in a plain variable or a URL in the files (it belongs in a secret);
 * - every `${VAR}` has a default, so the files work with no environment;
 * - the official Kafka image (the path users elsewhere take) and our from-source one both run
 *   the broker version of the tests (infra/kafka/pom.xml);
 * - the broker's entry script (docker/kafka/secure-kafka.sh) creates the contract's topics and
 *   grants ACLs only on them, to principals that have a SCRAM secret, and the stack publishes
 *   no port but the three user-facing ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import {
  KAFKA_PRINCIPALS,
  KAFKA_SUPER_USER,
  type KafkaAcl,
  kafkaAcls,
  TOPIC_SPECS,
  type TopicSpec,
} from '@storefront/events';
import { ROOT } from '../runtime/paths';

export const STACK_FILES = ['docker-compose-middleware.yml', 'docker-compose-services.yml'];
/** Opt-in files deployed on top of the two (checked for defaults, not merged). */
export const OPTIONAL_STACK_FILES = ['docker-compose-kafka-external.yml'];
export const KAFKA_ENTRY_SCRIPT = 'docker/kafka/secure-kafka.sh';

/** The ports the stack publishes by default: the gateway and the two logged-in consoles. */
export const PUBLISHED_PORTS: Record<string, number[]> = {
  gateway: [8080],
  'mongo-express': [8081],
  'kafka-ui': [9000],
};

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: Array<{ target: number; published?: number | string } | string>;
  secrets?: Array<string | { source: string; target?: string }>;
}

export interface StackFiles {
  /** Each file as text, for the checks that read `${VAR}` references. */
  texts: Record<string, string>;
  /** Parsed, with YAML anchors and `<<` merges resolved. */
  services: Record<string, ComposeService>;
  fromSourceEnv: string;
  kafkaVersion: string;
  /** docker/kafka/secure-kafka.sh, the broker's entry script. */
  kafkaEntry: string;
}

/** One app of apps/ and its zod config schema (the `<name>App` definition in `<name>.app.ts`). */
export interface AppInfo {
  name: string;
  schema: z.ZodObject;
}

function read(relative: string): string {
  return fs.readFileSync(path.join(ROOT, relative), 'utf8');
}

export function loadStackFiles(): StackFiles {
  const texts = Object.fromEntries(
    [...STACK_FILES, ...OPTIONAL_STACK_FILES].map((file) => [file, read(file)]),
  );
  const services = Object.assign(
    {},
    ...STACK_FILES.map(
      (file) =>
        (parse(texts[file], { merge: true }) as { services: Record<string, ComposeService> })
          .services,
    ),
  ) as Record<string, ComposeService>;
  const kafka = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'));
  return {
    texts,
    services,
    fromSourceEnv: read('docker/from-source.env'),
    kafkaVersion: kafka?.[1] ?? 'unknown',
    kafkaEntry: read(KAFKA_ENTRY_SCRIPT),
  };
}

export function loadApps(): AppInfo[] {
  const names = fs
    .readdirSync(path.join(ROOT, 'apps'))
    .filter((name) => fs.existsSync(path.join(ROOT, 'apps', name, 'project.json')))
    .sort();
  return names.map((name) => {
    // A computed path: this reads every app generically; apps never import each other.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(path.join(ROOT, 'apps', name, 'src', `${name}.app.ts`)) as Record<
      string,
      unknown
    >;
    const definition = Object.values(exports).find(
      (value): value is { name: string; configSchema: z.ZodObject } =>
        typeof value === 'object' &&
        value !== null &&
        (value as { name?: unknown }).name === name &&
        'configSchema' in value,
    );
    if (!definition) throw new Error(`apps/${name}/src/${name}.app.ts exports no app definition`);
    return { name, schema: definition.configSchema };
  });
}

function env(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value ?? '')]),
  );
}

export function checkVariablesRead(files: StackFiles, apps: AppInfo[]): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    const service = files.services[app.name];
    if (!service) {
      problems.push(`${app.name}: no service of that name in the stack files`);
      continue;
    }
    const known = new Set(Object.keys(app.schema.shape));
    for (const key of Object.keys(env(service))) {
      const name = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : key;
      if (!known.has(name)) problems.push(`${app.name}: sets ${key}, which the app does not read`);
    }
  }
  return problems;
}

export function checkNoPlainCredentials(files: StackFiles): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(files.services)) {
    for (const [key, value] of Object.entries(env(service))) {
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
  return problems;
}

export function checkVariableDefaults(files: StackFiles): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files.texts)) {
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*:-[^}]+$/.test(match[1])) {
        problems.push(`${file}: \${${match[1]}} needs a default (\${VAR:-default})`);
      }
    }
  }
  return problems;
}

export function checkKafkaVersion(files: StackFiles): string[] {
  const official = /^\$\{KAFKA_IMAGE:-apache\/kafka:([^}]+)\}$/.exec(
    files.services.kafka?.image ?? '',
  );
  const ours = /^KAFKA_IMAGE='?storefront\/kafka:([^'\s]+)'?$/m.exec(files.fromSourceEnv);
  const problems: string[] = [];
  if (official?.[1] !== files.kafkaVersion) {
    problems.push(
      `kafka: the default image must be apache/kafka:${files.kafkaVersion} (the tests' broker), is ${files.services.kafka?.image ?? '(none)'}`,
    );
  }
  if (ours?.[1] !== files.kafkaVersion) {
    problems.push(
      `docker/from-source.env: KAFKA_IMAGE must be storefront/kafka:${files.kafkaVersion}`,
    );
  }
  return problems;
}

/** The published ports of each service, by default (without the opt-in files). */
export function checkPublishedPorts(files: StackFiles): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(files.services)) {
    const published = (service.ports ?? []).map((port) =>
      typeof port === 'string' ? Number(port.split(':')[0]) : Number(port.published),
    );
    const allowed = PUBLISHED_PORTS[name] ?? [];
    for (const port of published) {
      if (!allowed.includes(port))
        problems.push(`${name}: publishes ${port}, which users do not need`);
    }
  }
  return problems;
}

/** One ALLOW rule as the entry script grants it (Kafka's CLI names). */
export interface BrokerAcl {
  principal: string;
  resourceType: 'topic' | 'group' | 'cluster';
  resourceName: string;
  operation: string;
}

/** The quoted lines of a bash array `NAME=( ... )` in the entry script. */
function scriptArray(script: string, name: string): string[] {
  const body = new RegExp(`^${name}=\\(\\n([\\s\\S]*?)^\\)`, 'm').exec(script)?.[1] ?? '';
  return [...body.matchAll(/^\s*'([^']*)'\s*$/gm)].map((match) => match[1]);
}

export function scriptTopics(script: string): TopicSpec[] {
  return scriptArray(script, 'TOPICS').map((line) => {
    const [name = '', partitions = '', configs = '-'] = line.split(/\s+/);
    return {
      name,
      partitions: Number(partitions),
      config: Object.fromEntries(
        configs === '-'
          ? []
          : configs.split(',').map((entry) => entry.split('=') as [string, string]),
      ),
    };
  });
}

/** The script's ACL lines expanded into single rules (every operation on every name). */
export function scriptAcls(script: string): BrokerAcl[] {
  return scriptArray(script, 'ACLS').flatMap((line) => {
    const [principal = '', operations = '', type = '', names = ''] = line.split(/\s+/);
    const resourceType = type as BrokerAcl['resourceType'];
    const resourceNames = resourceType === 'cluster' ? ['kafka-cluster'] : names.split(',');
    return resourceNames.flatMap((resourceName) =>
      operations
        .split(',')
        .map((operation) => ({ principal, resourceType, resourceName, operation })),
    );
  });
}

/** SCRAM users of the kafka service (SCRAM_USERS: `name=/run/secrets/file …`). */
function scramUsers(files: StackFiles): Map<string, string> {
  const value = String(files.services.kafka?.environment?.SCRAM_USERS ?? '');
  return new Map(
    value
      .split(/\s+/)
      .filter(Boolean)
      .map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]),
  );
}

/**
 * The entry script against the contract: its topics are TOPIC_SPECS exactly; its ACLs name
 * only contract topics (or `*`), consumer groups of the apps, and principals that are SCRAM
 * users of the stack, each user's password a secret of the kafka service; the super user
 * (the first SCRAM user) gets no ACL (it needs none).
 */
export function checkKafkaSetup(
  files: StackFiles,
  specs: readonly TopicSpec[] = TOPIC_SPECS,
  groups: readonly string[] = ['orders', 'fulfillment'],
): string[] {
  const problems: string[] = [];
  const key = (spec: TopicSpec): string =>
    `${spec.name} ${spec.partitions} ${JSON.stringify(Object.entries(spec.config).sort())}`;
  const expected = specs.map(key).sort();
  const actual = scriptTopics(files.kafkaEntry).map(key).sort();
  for (const topic of expected.filter((t) => !actual.includes(t))) {
    problems.push(`${KAFKA_ENTRY_SCRIPT}: TOPICS lacks ${topic}`);
  }
  for (const topic of actual.filter((t) => !expected.includes(t))) {
    problems.push(`${KAFKA_ENTRY_SCRIPT}: TOPICS has ${topic}, not in the contract`);
  }
  const users = scramUsers(files);
  const [superUser] = users.keys();
  const secrets = new Set(
    (files.services.kafka?.secrets ?? []).map((secret) =>
      typeof secret === 'string' ? secret : (secret.target ?? secret.source),
    ),
  );
  for (const [user, file] of users) {
    if (!secrets.has(path.basename(file)) || path.dirname(file) !== '/run/secrets') {
      problems.push(`kafka: SCRAM user ${user} reads ${file}, not a secret of the service`);
    }
  }
  const topicNames = new Set(specs.map((spec) => spec.name));
  for (const acl of scriptAcls(files.kafkaEntry)) {
    const rule = `${acl.principal} ${acl.operation} ${acl.resourceType} ${acl.resourceName}`;
    if (!users.has(acl.principal) || acl.principal === superUser) {
      problems.push(
        `${KAFKA_ENTRY_SCRIPT}: ${rule}: not a SCRAM user of the stack besides the super user`,
      );
    }
    const known =
      acl.resourceName === '*' ||
      (acl.resourceType === 'topic' && topicNames.has(acl.resourceName)) ||
      (acl.resourceType === 'group' && groups.includes(acl.resourceName)) ||
      acl.resourceType === 'cluster';
    if (!known) problems.push(`${KAFKA_ENTRY_SCRIPT}: ${rule}: no such ${acl.resourceType}`);
  }
  return problems;
}

/** Kafka's CLI name of an operation (DESCRIBE_CONFIGS → DescribeConfigs). */
function cliOperation(operation: string): string {
  return operation
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The entry script mirrors the messaging library's ACL table (libs/events/src/acls.ts, the one
 * the local `--secure` runtime applies) rule for rule, and its SCRAM users are the library's
 * principals with the super user first.
 */
export function checkKafkaAclsMatchLibrary(
  files: StackFiles,
  library: readonly KafkaAcl[] = kafkaAcls(),
  principals: readonly string[] = [KAFKA_SUPER_USER, ...KAFKA_PRINCIPALS],
): string[] {
  const rule = (acl: BrokerAcl): string =>
    `${acl.principal} ${acl.operation} ${acl.resourceType} ${acl.resourceName}`;
  const expected = library
    .filter((acl) => acl.patternType === 'LITERAL')
    .map((acl) =>
      rule({
        principal: acl.principal.replace(/^User:/, ''),
        operation: cliOperation(acl.operation),
        resourceType: acl.resourceType.toLowerCase() as BrokerAcl['resourceType'],
        resourceName: acl.resourceName,
      }),
    );
  const actual = scriptAcls(files.kafkaEntry).map(rule);
  const problems = [
    ...expected
      .filter((r) => !actual.includes(r))
      .map((r) => `${KAFKA_ENTRY_SCRIPT}: ACLS lacks ${r} (libs/events/src/acls.ts)`),
    ...actual
      .filter((r) => !expected.includes(r))
      .map((r) => `${KAFKA_ENTRY_SCRIPT}: ACLS has ${r}, not in libs/events/src/acls.ts`),
  ];
  const users = [...scramUsers(files).keys()];
  if (users.join(' ') !== principals.join(' ')) {
    problems.push(`kafka: SCRAM_USERS are ${users.join(' ')}, expected ${principals.join(' ')}`);
  }
  return problems;
}
