/**
 * What deploying the stack cannot show, checked on the files themselves (`npm run test:stack`
 * deploys the stack for real and shows the rest: services, images, ports, health, secrets,
 * topics, scripts). A deployment here uses the from-source images, and a misspelt optional
 * variable or a password in plain text deploys fine, so these four stay:
 * - every variable the stack sets on an app is one the app reads (a typo would be ignored);
 * - no credential sits in a plain variable or a URL in the files (it belongs in a secret);
 * - every `${VAR}` has a default, so the files work with no environment;
 * - the official Kafka image (the path users elsewhere take) and our from-source one both run
 *   the broker version of the tests (infra/kafka/pom.xml).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ROOT } from '../runtime/paths';

export const STACK_FILES = ['docker-compose-middleware.yml', 'docker-compose-services.yml'];

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null>;
}

export interface StackFiles {
  /** Each file as text, for the checks that read `${VAR}` references. */
  texts: Record<string, string>;
  /** Parsed, with YAML anchors and `<<` merges resolved. */
  services: Record<string, ComposeService>;
  fromSourceEnv: string;
  kafkaVersion: string;
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
  const texts = Object.fromEntries(STACK_FILES.map((file) => [file, read(file)]));
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
