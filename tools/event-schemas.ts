/**
 * Releases event payload schemas: writes `libs/events/schemas/<topic>/v<N>.json` (the JSON
 * Schema of the current version N) and `v<N>.examples.json` (its wire examples) when they are
 * missing. A released version is never changed: if the schema changed, bump the contract's
 * version and run again. Only its descriptions are refreshed, as they bind no consumer.
 *
 *   npx tsx tools/event-schemas.ts           write missing snapshots
 *   npx tsx tools/event-schemas.ts --check   exit 1 if a snapshot is missing or stale
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ALL_TOPICS, getContract, payloadJsonSchema, type Topic } from '@storefront/events';
import * as prettier from 'prettier';
import {
  examplesFile,
  readSnapshot,
  snapshotFile,
  wireExamples,
  withoutDescriptions,
} from '@storefront/events/testing';

type SnapshotState = 'up-to-date' | 'missing' | 'descriptions-changed' | 'changed';

export function snapshotState(topic: Topic): SnapshotState {
  const file = snapshotFile(topic, getContract(topic).version);
  if (!existsSync(file)) return 'missing';
  const released = readSnapshot(topic, getContract(topic).version);
  const current = payloadJsonSchema(topic);
  if (isDeepStrictEqual(released, current)) return 'up-to-date';
  return isDeepStrictEqual(withoutDescriptions(released), withoutDescriptions(current))
    ? 'descriptions-changed'
    : 'changed';
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  await mkdir(dirname(file), { recursive: true });
  await writeFile(
    file,
    await prettier.format(JSON.stringify(value), { ...options, filepath: file }),
  );
}

async function main(check: boolean): Promise<number> {
  let failed = false;
  for (const topic of ALL_TOPICS) {
    const { version } = getContract(topic);
    const file = relative(process.cwd(), snapshotFile(topic, version));
    const state = snapshotState(topic);
    if (state === 'up-to-date') continue;
    if (state === 'changed') {
      console.error(
        `${file}: the schema of ${topic} changed but its version is still ${version}. ` +
          'A released version is immutable: bump the version in its contract, then run this again.',
      );
      failed = true;
    } else if (check) {
      console.error(`${file} is ${state}: run npx tsx tools/event-schemas.ts`);
      failed = true;
    } else if (state === 'descriptions-changed') {
      await writeJson(snapshotFile(topic, version), payloadJsonSchema(topic));
      console.log(`refreshed the descriptions in ${file}`);
    } else {
      const examples = wireExamples(topic); // first: invalid fixtures must not leave half a release
      await writeJson(snapshotFile(topic, version), payloadJsonSchema(topic));
      await writeJson(examplesFile(topic, version), examples);
      console.log(`wrote ${file} and its examples`);
    }
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.includes('--check')).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
