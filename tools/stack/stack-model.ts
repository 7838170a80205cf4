/**
 * Reads the Swarm stack files and the scripts and files around them into one plain model, so
 * tools/stack/stack-checks.ts can compare them with the code, and tests can mutate a copy to
 * prove each check catches drift. No Docker needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';

export const ROOT = path.resolve(__dirname, '..', '..');

export const STACK_FILES = {
  middleware: 'docker-compose-middleware.yml',
  services: 'docker-compose-services.yml',
} as const;

export type StackPart = keyof typeof STACK_FILES;

export interface LongPort {
  target: number;
  published?: number | string;
  protocol?: string;
  mode?: string;
}

export interface SecretRef {
  source: string;
  target?: string;
}

export interface ComposeService {
  image?: string;
  hostname?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | LongPort)[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  secrets?: (string | SecretRef)[];
  configs?: (string | SecretRef)[];
  networks?: string[] | Record<string, unknown>;
  healthcheck?: {
    test?: string | string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    start_period?: string;
    disable?: boolean;
  };
  stop_grace_period?: string;
  deploy?: {
    mode?: string;
    replicas?: number | string;
    endpoint_mode?: string;
    placement?: { constraints?: string[] };
    resources?: {
      limits?: { cpus?: string; memory?: string };
      reservations?: { cpus?: string; memory?: string };
    };
    restart_policy?: { condition?: string; delay?: string; max_attempts?: number; window?: string };
    update_config?: Record<string, string | number>;
    rollback_config?: Record<string, string | number>;
  };
}

export interface ComposeFile {
  version?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { driver?: string; attachable?: boolean; ipam?: unknown } | null>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; external?: boolean; name?: string }>;
  configs?: Record<string, { file?: string; external?: boolean }>;
  [extension: `x-${string}`]: unknown;
}

export interface StackModel {
  /** Parsed (YAML anchors and `<<` merges resolved, `${VAR:-default}` left as written). */
  files: Record<StackPart, ComposeFile>;
  /** The files as text, for the checks that look at variable references. */
  texts: Record<StackPart, string>;
  /** scripts/stack-deploy.sh: the services it waits for and the images it expects. */
  deployScript: { middleware: string[]; apps: string[]; images: string[]; secrets: string[] };
  /** scripts/build-images.sh: APP_PORTS, the port each image sets. */
  buildPorts: Record<string, number>;
  /** scripts/stack-remove.sh: the volumes --volumes deletes. */
  removeVolumes: string[];
  /** docker/mongo/init-storefront-user.js: the databases the apps' user can write. */
  mongoInitDatabases: string[];
  dockerfile: string;
  /** infra/kafka/pom.xml: the broker version the tests run. */
  kafkaVersion: string;
  gitignore: string;
}

/** One app of apps/: its name and its zod config schema (from apps/<app>/src/<app>.app.ts). */
export interface AppInfo {
  name: string;
  schema: z.ZodObject;
}

function read(relative: string): string {
  return fs.readFileSync(path.join(ROOT, relative), 'utf8');
}

/** A bash array assignment `NAME=(a b c)` (one line or several). */
export function bashArray(script: string, name: string): string[] {
  const match = new RegExp(`^${name}=\\(([^)]*)\\)`, 'm').exec(script);
  if (!match) throw new Error(`no array ${name}=(…) in the script`);
  return match[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
}

export function loadStackModel(): StackModel {
  const texts = {
    middleware: read(STACK_FILES.middleware),
    services: read(STACK_FILES.services),
  };
  const files = {
    middleware: parse(texts.middleware, { merge: true }) as ComposeFile,
    services: parse(texts.services, { merge: true }) as ComposeFile,
  };
  const deploy = read('scripts/stack-deploy.sh');
  const buildPorts = Object.fromEntries(
    bashArray(read('scripts/build-images.sh'), 'APP_PORTS').map((entry) => {
      const [app, port] = entry.split(':');
      return [app, Number(port)];
    }),
  );
  const init = read('docker/mongo/init-storefront-user.js');
  const databases = /const databases = \[([^\]]*)\]/.exec(init);
  const kafka = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'));
  return {
    files,
    texts,
    deployScript: {
      middleware: bashArray(deploy, 'MIDDLEWARE_SERVICES'),
      apps: bashArray(deploy, 'APP_SERVICES'),
      images: bashArray(deploy, 'APP_IMAGES'),
      secrets: [...bashArray(deploy, 'RANDOM_SECRETS'), ...bashArray(deploy, 'DERIVED_SECRETS')],
    },
    buildPorts,
    removeVolumes: bashArray(read('scripts/stack-remove.sh'), 'VOLUMES'),
    mongoInitDatabases: databases ? [...databases[1].matchAll(/'([^']+)'/g)].map((m) => m[1]) : [],
    dockerfile: read('docker/Dockerfile'),
    kafkaVersion: kafka?.[1] ?? 'unknown',
    gitignore: read('.gitignore'),
  };
}

/** Apps are the folders of apps/ with a project.json; each exports `<name>App` with its schema. */
export function loadApps(): AppInfo[] {
  const names = fs
    .readdirSync(path.join(ROOT, 'apps'))
    .filter((name) => fs.existsSync(path.join(ROOT, 'apps', name, 'project.json')))
    .sort();
  return names.map((name) => {
    // A computed path: this test reads every app generically; apps never import each other.
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

/** `${VAR:-default}` / `${VAR-default}` / `${VAR}` with the given environment (empty: defaults). */
export function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (_match, name: string, op: string | undefined, fallback: string | undefined) => {
      const set = env[name];
      if (op === ':-') return set ? set : (fallback ?? '');
      if (op === '-') return set ?? fallback ?? '';
      return set ?? '';
    },
  );
}

/** A service's environment as strings, `${…}` resolved with their defaults. */
export function serviceEnv(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(env)
    ? env.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value)]));
}

export function secretRefs(service: ComposeService): SecretRef[] {
  return (service.secrets ?? []).map((ref) => (typeof ref === 'string' ? { source: ref } : ref));
}

export interface PublishedPort {
  published: number | undefined;
  target: number;
  mode: string;
}

export function publishedPorts(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        target: Number(port.target),
        published:
          port.published === undefined ? undefined : Number(interpolate(String(port.published))),
        mode: port.mode ?? 'ingress',
      };
    }
    const spec = interpolate(String(port)).replace(/\/(tcp|udp|sctp)$/, '');
    const parts = spec.split(':');
    const target = Number(parts[parts.length - 1]);
    const published = parts.length > 1 ? Number(parts[parts.length - 2]) : undefined;
    return { target, published, mode: 'ingress' };
  });
}

export function healthcheckCommand(service: ComposeService): string {
  const test = service.healthcheck?.test;
  if (test === undefined) return '';
  return Array.isArray(test) ? test.join(' ') : test;
}

export function networkNames(service: ComposeService): string[] {
  const networks = service.networks ?? [];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}
