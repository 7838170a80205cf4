// Test and tooling support: where released payload schemas live on disk, and how they are read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validPayloads } from '../fixtures';
import type { JsonSchema } from '../json-schema';
import { validatePayload } from '../registry';
import type { Topic } from '../topics';

/** `libs/events/schemas`: one folder per topic, `v<N>.json` per released schema version. */
export const SCHEMAS_DIR = resolve(__dirname, '../../schemas');

export function snapshotFile(topic: Topic, version: number): string {
  return join(SCHEMAS_DIR, topic, `v${version}.json`);
}

/** Example payloads frozen with a version, so later versions prove they still read them. */
export function examplesFile(topic: Topic, version: number): string {
  return join(SCHEMAS_DIR, topic, `v${version}.examples.json`);
}

/** Versions with a snapshot on disk, ascending. */
export function releasedVersions(topic: Topic): number[] {
  const dir = join(SCHEMAS_DIR, topic);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((file) => /^v([1-9]\d*)\.json$/.exec(file)?.[1])
    .filter((version): version is string => version !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function readSnapshot(topic: Topic, version: number): JsonSchema {
  const schema = readJson(snapshotFile(topic, version));
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error(`${snapshotFile(topic, version)} is not a JSON Schema object`);
  }
  return schema as JsonSchema; // shape checked above; the keywords are ajv's to judge
}

export function readExamples(topic: Topic, version: number): unknown[] {
  const examples = readJson(examplesFile(topic, version));
  if (!Array.isArray(examples)) throw new Error(`${examplesFile(topic, version)} is not an array`);
  return examples;
}

/**
 * The valid fixtures of a topic as they go on the wire: validated for produce, normalized
 * (explicit nulls) and through JSON, exactly what a consumer of any version receives.
 */
export function wireExamples(topic: Topic): unknown[] {
  return validPayloads()[topic].map((payload) => {
    const result = validatePayload(topic, payload);
    if (!result.ok) throw new Error(`Fixture of ${topic} is invalid: ${result.message}`);
    const wire: unknown = JSON.parse(JSON.stringify(result.value));
    return wire;
  });
}

/**
 * A JSON Schema without its descriptions: what the compatibility rules are about. Editing a
 * description must not force a new version. Only string values are dropped, so a property
 * that is itself named `description` (an address's) stays.
 */
export function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, child]) => !(key === 'description' && typeof child === 'string'))
      .map(([key, child]) => [key, withoutDescriptions(child)]),
  );
}
