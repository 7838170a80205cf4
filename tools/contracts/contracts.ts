/**
 * The public contracts as files: every OpenAPI document an app serves at /v3/api-docs, built
 * from the app's modules by the platform's own function (no database, broker or registry), in
 * docs/openapi/<app>.json; and the AsyncAPI document of the topics, docs/asyncapi.yaml
 * (tools/asyncapi.ts). A change to either is a reviewable diff of these files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { AppDefinition, BaseConfig } from '@storefront/platform';
import type { z } from 'zod';

export const ROOT = path.resolve(__dirname, '..', '..');
export const OPENAPI_DIR = path.join(ROOT, 'docs', 'openapi');

export function openApiFile(app: string): string {
  return path.join(OPENAPI_DIR, `${app}.json`);
}

type Definition = AppDefinition<z.ZodType<BaseConfig>>;
type Describe = (
  definition: Definition,
  env?: NodeJS.ProcessEnv,
) => Promise<OpenAPIObject | undefined>;

// A computed path: this reads every app generically; apps never import each other.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (file: string) => require(file) as Record<string, unknown>;

/** Every app under apps/ (a folder with a project.json), sorted. */
export function appNames(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'apps'))
    .filter((name) => fs.existsSync(path.join(ROOT, 'apps', name, 'project.json')))
    .sort();
}

/**
 * Each app's definition and the platform's describeOpenApi, loaded from `root`: the sources
 * under Jest (swc compiles them with decorator metadata), `dist/` from the command (tsx's
 * esbuild emits no decorator metadata, which Nest and mongoose need).
 */
export function loadApps(root: string): {
  definitions: Map<string, Definition>;
  describeOpenApi: Describe;
} {
  const platform = load(path.join(root, 'libs', 'platform', 'src', 'index')) as {
    describeOpenApi: Describe;
  };
  const definitions = new Map<string, Definition>();
  for (const name of appNames()) {
    const exports = load(path.join(root, 'apps', name, 'src', `${name}.app`));
    const definition = Object.values(exports).find(
      (value): value is Definition =>
        typeof value === 'object' &&
        value !== null &&
        (value as { name?: unknown }).name === name &&
        'configSchema' in value,
    );
    if (!definition) throw new Error(`apps/${name}/src/${name}.app exports no app definition`);
    definitions.set(name, definition);
  }
  return { definitions, describeOpenApi: platform.describeOpenApi };
}

/** Objects with their keys sorted, recursively; arrays keep their order (it can mean something). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** A document as committed: sorted keys, two-space indent, a final newline. */
export function renderJson(document: unknown): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

/** The rendered OpenAPI document of every app that serves one, by app name. */
export async function renderOpenApi(root: string): Promise<Map<string, string>> {
  const { definitions, describeOpenApi } = loadApps(root);
  const rendered = new Map<string, string>();
  for (const [name, definition] of definitions) {
    const document = await describeOpenApi(definition);
    if (document) rendered.set(name, renderJson(document));
  }
  return rendered;
}
